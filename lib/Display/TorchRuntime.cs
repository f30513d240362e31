using System.Net;
using Diffusion.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>
/// Which TorchSharp and libtorch this process runs, on which device and with how many CPU threads (lesson 00 shows it).
/// It sits with the displays, not in Runtime, so that Runtime (native memory, libtorch's logging), which the samplers
/// use, depends on no other namespace of the library.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed record TorchRuntime(string TorchSharpVersion, string LibTorchVersion, string Device, bool CudaAvailable, int CpuThreads,
    string IdleThreads)
    : IHtmlView
{
    /// <summary>CUDA if this build of TorchSharp and the machine have it, else the CPU. Pass the result on explicitly.</summary>
    public static Device BestDevice() => cuda.is_available() ? CUDA : CPU;

    public static TorchRuntime Describe(Device device) => new(
        TorchSharpVersion: typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?",
        LibTorchVersion: __version__,
        Device: device.ToString(),
        CudaAvailable: cuda.is_available(),
        CpuThreads: get_num_threads(),
        IdleThreads: OpenMpWaiting.Describe());

    public string ToHtml()
    {
        (string, string)[] rows =
        [
            ("TorchSharp", TorchSharpVersion), ("libtorch", LibTorchVersion), ("device", Device),
            ("CUDA available", CudaAvailable ? "yes" : "no"), ("CPU threads", CpuThreads.ToString()),
            ("idle CPU threads", IdleThreads),
        ];
        return "<table>" + string.Concat(rows.Select(r =>
            $"<tr><th style=\"text-align:left\">{r.Item1}</th><td>{WebUtility.HtmlEncode(r.Item2)}</td></tr>")) + "</table>";
    }
}
