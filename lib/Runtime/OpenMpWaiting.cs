using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Runtime;

/// <summary>
/// How libtorch's CPU threads wait for work. libtorch runs each operation on a team of OpenMP threads (libgomp, which
/// TorchSharp ships beside it); between operations an idle thread by default spins on its core for a while before it
/// sleeps, which saves a wake-up when the next operation follows at once. On a machine whose cores are busy with
/// anything else, the spinning threads of one process hold the cores the other's threads are waiting for. Measured on
/// two cores, beside a training of the Small UNet, forward passes of the Small UNet at batch 8 (`diffusion bench
/// --presets small --batch 8`, alternating): 5-7 images/s with the default, 97-157 with OMP_WAIT_POLICY=PASSIVE, under
/// which idle threads sleep at once. A notebook beside a training in a terminal is the course's normal case.
///
/// libgomp reads OMP_WAIT_POLICY once, when libtorch loads, from the C environment (which .NET's
/// Environment.SetEnvironmentVariable does not change on Linux). So this sets it with the C library's setenv when the
/// library loads, before its first tensor loads libtorch, unless the variable is already set: a value the user chose
/// stays. A notebook's preamble and the command line both touch the library before libtorch, so the setting comes in
/// time for either; <see cref="Setting"/> says whether it did.
/// </summary>
public static class OpenMpWaiting
{
    private const string Variable = "OMP_WAIT_POLICY";

    /// <summary>What the library found and did when it loaded.</summary>
    public static OpenMpWaitSetting Setting { get; private set; } = OpenMpWaitSetting.NotLinux;

    /// <summary>OMP_WAIT_POLICY in the C environment now, or null where unset (or not Linux).</summary>
    public static string? Policy => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(Variable)) : null;

    /// <summary>How idle libtorch threads wait in this process, in words (lesson 00 shows it).</summary>
    public static string Describe() => Setting switch
    {
        OpenMpWaitSetting.SetPassive => "sleep at once (OMP_WAIT_POLICY=PASSIVE, set by Diffusion.Lib)",
        OpenMpWaitSetting.LeftToUser => $"OMP_WAIT_POLICY={Policy}, as set before Diffusion.Lib loaded",
        OpenMpWaitSetting.TooLate => "spin, then sleep (OpenMP's default: libtorch loaded before Diffusion.Lib)",
        OpenMpWaitSetting.Failed => "spin, then sleep (OpenMP's default: the C library's setenv failed)",
        _ => "the OpenMP runtime's default",
    };

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must run before libtorch loads, in any host.")]
    [ModuleInitializer]
    internal static void Configure()
    {
        if (!OperatingSystem.IsLinux())
            return;
        try
        {
            Setting = Decide(Policy, OpenMpLoaded());
            // unset or empty, so overwriting loses nothing the user chose
            if (Setting == OpenMpWaitSetting.SetPassive && setenv(Variable, "PASSIVE", overwrite: 1) != 0)
                Setting = OpenMpWaitSetting.Failed;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException)
        {
            Setting = OpenMpWaitSetting.Failed;
        }
    }

    /// <summary>The rule the library follows when it loads, given the variable's value and whether libgomp is loaded.</summary>
    public static OpenMpWaitSetting Decide(string? policy, bool openMpLoaded) =>
        policy is { Length: > 0 } ? OpenMpWaitSetting.LeftToUser
        : openMpLoaded ? OpenMpWaitSetting.TooLate
        : OpenMpWaitSetting.SetPassive;

    /// <summary>Whether a libgomp is mapped into this process already (it then has read its environment).</summary>
    private static bool OpenMpLoaded() =>
        File.ReadLines("/proc/self/maps").Any(line => line.Contains("/libgomp", StringComparison.Ordinal));

    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern IntPtr getenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name);

    [DllImport("libc.so.6", ExactSpelling = true)]
    private static extern int setenv([MarshalAs(UnmanagedType.LPUTF8Str)] string name,
        [MarshalAs(UnmanagedType.LPUTF8Str)] string value, int overwrite);
}

/// <summary>What <see cref="OpenMpWaiting"/> did when the library loaded.</summary>
public enum OpenMpWaitSetting
{
    /// <summary>Not Linux: nothing done.</summary>
    NotLinux,
    /// <summary>OMP_WAIT_POLICY was unset; the library set it to PASSIVE before libtorch loaded.</summary>
    SetPassive,
    /// <summary>OMP_WAIT_POLICY was already set (by the user or a run script) and is left as it is.</summary>
    LeftToUser,
    /// <summary>libtorch's OpenMP had loaded before this library, with the default (spinning) waits.</summary>
    TooLate,
    /// <summary>The C library's getenv or setenv could not be called.</summary>
    Failed,
}
