using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Diffusion.Runtime;

/// <summary>
/// How libtorch's CPU threads wait for work. libtorch runs each operation on a team of OpenMP threads (libgomp, which
/// TorchSharp ships beside it); between operations an idle thread spins on its core before it sleeps, 300,000 turns by
/// default, which saves a wake-up when the next operation follows at once. On a machine whose cores are busy with
/// anything else, a spinning thread holds the core its sibling is waiting for. Forward passes of the Small UNet at batch
/// 8 on two cores (`diffusion bench --presets small --batch 8`, two alternating runs of each; "busy": beside a training
/// of the Small UNet at batch 32 started with OMP_WAIT_POLICY=PASSIVE), in images per second:
///
///   how idle threads wait                    quiet      busy
///   libgomp's default (300,000 turns)        289-315    4-10
///   GOMP_SPINCOUNT=10000                     291-311    60-63
///   GOMP_SPINCOUNT=1000                      184-203    145-162
///   OMP_WAIT_POLICY=PASSIVE (sleep at once)  179-183    174-185
///
/// No setting is best in both columns. 10,000 turns keeps the quiet speed and avoids the collapse, so the library uses
/// it: a notebook beside a training in a terminal is a normal case in this course. (At batch 128 PASSIVE cost 8-10% of
/// the quiet speed.) Set OMP_WAIT_POLICY=PASSIVE yourself where other work keeps the cores busy for long, as the unit
/// tests do (tests/Diffusion.Tests.runsettings).
///
/// libgomp reads both variables once, when libtorch loads, from the C environment (which .NET's
/// Environment.SetEnvironmentVariable does not change on Linux). So this sets GOMP_SPINCOUNT with the C library's
/// setenv when the library loads, unless either variable is set already: a value the user chose stays. A notebook's
/// preamble and the command line both touch the library before libtorch, so the setting comes in time for either;
/// <see cref="Setting"/> says whether it did.
/// </summary>
public static class OpenMpWaiting
{
    private const string Policy = "OMP_WAIT_POLICY", SpinCount = "GOMP_SPINCOUNT";

    /// <summary>Spin turns before an idle thread sleeps, where the user chose nothing (measured above).</summary>
    public const int ShortSpin = 10_000;

    /// <summary>What the library found and did when it loaded.</summary>
    public static OpenMpWaitSetting Setting { get; private set; } = OpenMpWaitSetting.NotLinux;

    /// <summary>A variable of the C environment now, or null where unset (or not Linux).</summary>
    public static string? Read(string variable) =>
        OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(getenv(variable)) : null;

    /// <summary>How idle libtorch threads wait in this process, in words, with the variables as the C environment holds them now (lesson 00 shows it).</summary>
    public static string Describe() => Setting switch
    {
        OpenMpWaitSetting.SetShortSpin => $"spin {ShortSpin:N0} turns, then sleep ({SpinCount}={Read(SpinCount)}, set by Diffusion.Lib)",
        OpenMpWaitSetting.LeftToUser => string.Join(", ", new[] { Policy, SpinCount }
            .Where(v => Read(v) is { Length: > 0 }).Select(v => $"{v}={Read(v)}")) + ", as set before Diffusion.Lib loaded",
        OpenMpWaitSetting.TooLate => "OpenMP's default (libtorch loaded before Diffusion.Lib)",
        OpenMpWaitSetting.Failed => "OpenMP's default (the C library's setenv failed)",
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
            Setting = Decide(Read(Policy), Read(SpinCount), OpenMpLoaded());
            // both unset or empty, so overwriting loses nothing the user chose
            if (Setting == OpenMpWaitSetting.SetShortSpin && setenv(SpinCount, $"{ShortSpin}", overwrite: 1) != 0)
                Setting = OpenMpWaitSetting.Failed;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or IOException)
        {
            Setting = OpenMpWaitSetting.Failed;
        }
    }

    /// <summary>The rule the library follows when it loads, given both variables and whether libgomp is loaded.</summary>
    public static OpenMpWaitSetting Decide(string? policy, string? spinCount, bool openMpLoaded) =>
        policy is { Length: > 0 } || spinCount is { Length: > 0 } ? OpenMpWaitSetting.LeftToUser
        : openMpLoaded ? OpenMpWaitSetting.TooLate
        : OpenMpWaitSetting.SetShortSpin;

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
    /// <summary>Neither variable was set; the library set GOMP_SPINCOUNT to a short spin before libtorch loaded.</summary>
    SetShortSpin,
    /// <summary>OMP_WAIT_POLICY or GOMP_SPINCOUNT was already set (by the user or a script) and is left as it is.</summary>
    LeftToUser,
    /// <summary>libtorch's OpenMP had loaded before this library, with OpenMP's default waiting.</summary>
    TooLate,
    /// <summary>The C environment or /proc/self/maps could not be read, or setenv failed: OpenMP's default applies.</summary>
    Failed,
}
