using System.Runtime.CompilerServices;
using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>
/// The library asks libtorch's OpenMP threads to sleep when idle (OMP_WAIT_POLICY=PASSIVE) unless the user chose
/// otherwise, and reports what it did.
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
    [InlineData(null, false, OpenMpWaitSetting.SetPassive)]
    [InlineData("", false, OpenMpWaitSetting.SetPassive)]
    [InlineData(null, true, OpenMpWaitSetting.TooLate)]
    [InlineData("ACTIVE", false, OpenMpWaitSetting.LeftToUser)]
    [InlineData("ACTIVE", true, OpenMpWaitSetting.LeftToUser)]
    public void A_value_the_user_set_stays_and_an_unset_one_becomes_passive_while_it_can_still_count(
        string? policy, bool openMpLoaded, OpenMpWaitSetting expected) =>
        Assert.Equal(expected, OpenMpWaiting.Decide(policy, openMpLoaded));

    [Fact]
    public void The_C_environment_holds_PASSIVE_unless_the_process_started_with_a_value_of_its_own()
    {
        if (!OperatingSystem.IsLinux())
            return;
        // .NET's copy of the environment is the one the process started with: setenv in C does not change it
        string? atStart = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY");
        if (string.IsNullOrEmpty(atStart))
        {
            Assert.Equal(OpenMpWaitSetting.SetPassive, OpenMpWaiting.Setting);
            Assert.Equal("PASSIVE", OpenMpWaiting.Policy);
            Assert.Contains("set by Diffusion.Lib", OpenMpWaiting.Describe());
        }
        else
        {
            Assert.Equal(OpenMpWaitSetting.LeftToUser, OpenMpWaiting.Setting);
            Assert.Equal(atStart, OpenMpWaiting.Policy);
            Assert.Contains($"OMP_WAIT_POLICY={atStart}", OpenMpWaiting.Describe());
        }
    }
}
