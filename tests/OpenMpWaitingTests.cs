using System.Runtime.CompilerServices;
using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>
/// The library asks libtorch's idle OpenMP threads to spin only briefly (GOMP_SPINCOUNT) unless the user chose how they
/// wait, and reports what it did.
/// </summary>
public class OpenMpWaitingTests
{
    /// <summary>
    /// Loads the library before any test can load libtorch, as a notebook's preamble and the command line do; otherwise
    /// which test runs first would decide whether the setting comes in time.
    /// </summary>
    [ModuleInitializer]
    internal static void LoadTheLibraryFirst() => RuntimeHelpers.RunModuleConstructor(typeof(OpenMpWaiting).Module.ModuleHandle);

    [Theory]
    [InlineData(null, null, false, OpenMpWaitSetting.SetShortSpin)]
    [InlineData("", "", false, OpenMpWaitSetting.SetShortSpin)]
    [InlineData(null, null, true, OpenMpWaitSetting.TooLate)]
    [InlineData("PASSIVE", null, false, OpenMpWaitSetting.LeftToUser)]
    [InlineData(null, "300000", false, OpenMpWaitSetting.LeftToUser)]
    [InlineData("ACTIVE", null, true, OpenMpWaitSetting.LeftToUser)]
    public void A_choice_of_the_user_stays_and_otherwise_idle_threads_spin_briefly_if_it_can_still_count(
        string? policy, string? spinCount, bool openMpLoaded, OpenMpWaitSetting expected) =>
        Assert.Equal(expected, OpenMpWaiting.Decide(policy, spinCount, openMpLoaded));

    /// <summary>
    /// Whichever environment the test host started with. `dotnet test` starts it with OMP_WAIT_POLICY=PASSIVE
    /// (Diffusion.Tests.runsettings), so the library's own choice is checked by the next test, in a process of its own.
    /// </summary>
    [Fact]
    public void The_C_environment_holds_the_short_spin_unless_the_process_started_with_a_choice_of_its_own()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // .NET's copy of the environment is the one the process started with: setenv in C does not change it
        string? policy = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        string? spinCount = Environment.GetEnvironmentVariable("GOMP_SPINCOUNT");
        if (string.IsNullOrEmpty(policy) && string.IsNullOrEmpty(spinCount))
        {
            Assert.Equal(OpenMpWaitSetting.SetShortSpin, OpenMpWaiting.Setting);
            Assert.Equal($"{OpenMpWaiting.ShortSpin}", OpenMpWaiting.Read("GOMP_SPINCOUNT"));
            Assert.Contains("set by Diffusion.Lib", OpenMpWaiting.Describe());
        }
        else
        {
            Assert.Equal(OpenMpWaitSetting.LeftToUser, OpenMpWaiting.Setting);
            Assert.Equal(spinCount ?? "", OpenMpWaiting.Read("GOMP_SPINCOUNT") ?? "");
            Assert.Contains("as set before Diffusion.Lib loaded", OpenMpWaiting.Describe());
        }
    }

    /// <summary>A process started without either variable sets the short spin where libgomp reads it, the C environment.</summary>
    [Fact]
    public void A_process_started_without_a_choice_tells_OpenMP_to_spin_briefly()
    {
        if (!OperatingSystem.IsLinux())
            return;
        var (code, output) = CliProcess.RunForOutput(["bench", "--presets", "tiny", "--batch", "1", "--seconds", "0.01"],
            "OMP_WAIT_POLICY", "GOMP_SPINCOUNT");

        Assert.Equal(0, code);
        Assert.Contains($"idle threads spin {OpenMpWaiting.ShortSpin:N0} turns, then sleep " +
            $"(GOMP_SPINCOUNT={OpenMpWaiting.ShortSpin}, set by Diffusion.Lib)", output);
    }
}
