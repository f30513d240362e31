using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>A finished sampling run: the images and, if asked for, x at every step (x_T first, x_0 last).</summary>
public sealed record SampleResult(Tensor Images, IReadOnlyList<Tensor> Trajectory) : IDisposable
{
    public void Dispose()
    {
        Images.Dispose();
        foreach (var x in Trajectory)
            x.Dispose();
    }
}
