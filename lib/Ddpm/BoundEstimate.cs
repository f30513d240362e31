using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>The bound for a batch: per-sample bits/dim [B], and the batch mean of each term in bits/dim.</summary>
/// <param name="BitsPerDim">The whole bound per sample, in bits per dimension. [B]</param>
/// <param name="TermBitsPerDim">Mean of term t over the batch, t = 0 (decoder) .. T-1.</param>
/// <param name="PriorBitsPerDim">Mean of the prior term L_T.</param>
public sealed record BoundEstimate(Tensor BitsPerDim, double[] TermBitsPerDim, double PriorBitsPerDim) : IDisposable
{
    public void Dispose() => BitsPerDim.Dispose();
}
