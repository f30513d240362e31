using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Diffusion.Runtime;

/// <summary>
/// libtorch's own C++ log (c10's LOG(WARNING)), which writes to stderr past .NET. On a CPU or container where NNPACK
/// cannot start, every convolution layer logs "Could not initialize NNPACK! Reason: Unsupported hardware." before
/// falling back to its other kernels, which work: a screen of harmless warnings in front of a command's output.
/// libtorch reads its level from the environment variable TORCH_CPP_LOG_LEVEL only when Python initialises it, so
/// this sets c10's flag (FLAGS_caffe2_log_level: 0 INFO, 1 WARNING, 2 ERROR, 3 FATAL) directly.
/// </summary>
public static class TorchLogging
{
    private const int Error = 2;

    /// <summary>
    /// Shows only libtorch's errors from now on, unless TORCH_CPP_LOG_LEVEL is set: then that level applies, as in
    /// PyTorch. The command line calls this once; a notebook may too.
    /// </summary>
    /// <returns>False where this libtorch does not export the flag (it then logs as before).</returns>
    public static bool ShowOnlyErrors()
    {
        if (!TryFindLevelFlag(out var flag))
            return false;
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is { Length: > 0 })
            initLogging();                                                    // c10 reads the variable itself
        else
            Marshal.WriteInt32(flag, Error);
        return true;
    }

    /// <summary>c10's current log level: messages below it are dropped.</summary>
    /// <exception cref="PlatformNotSupportedException">This libtorch does not export the flag (not Linux, or a new layout).</exception>
    public static int Level => TryFindLevelFlag(out var flag) ? Marshal.ReadInt32(flag)
        : throw new PlatformNotSupportedException($"{C10} with FLAGS_caffe2_log_level is not loaded in this process.");

    private static bool TryFindLevelFlag(out IntPtr flag)
    {
        flag = IntPtr.Zero;
        _ = get_num_threads();                                                // TorchSharp has loaded libtorch (and libc10) by now
        return NativeLibrary.TryLoad(C10, out var library) && NativeLibrary.TryGetExport(library, "FLAGS_caffe2_log_level", out flag);
    }

    private const string C10 = "libc10.so";

    [DllImport(C10, EntryPoint = "_ZN3c1011initLoggingEv")]                 // c10::initLogging()
    private static extern void initLogging();
}
