using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// The sinusoidal timestep embedding of the Transformer (Vaswani et al. 2017, sec. 3.5) as DDPM uses it (Ho et al.
/// 2020, sec. 4): t becomes dim numbers, cosines then sines of t at geometrically spaced frequencies.
///
///   freq_i = maxPeriod^(-i / half),  i = 0 .. half-1,  half = dim / 2
///   e(t)   = [cos(t freq_0) .. cos(t freq_{half-1}), sin(t freq_0) .. sin(t freq_{half-1})]
///
/// Convention: the cosine half comes first (as in improved-diffusion and diffusers with flip_sin_to_cos); an odd dim
/// gets a final zero. The fastest component turns once every 2 pi steps, the slowest once every 2 pi maxPeriod steps,
/// so every integer t below about maxPeriod gets a distinct vector, and nearby t get similar ones. t may be fractional.
/// </summary>
public static class SinusoidalEmbedding
{
    /// <param name="t">Timesteps, integer or fractional. [B]</param>
    /// <param name="dtype">Float32 unless the model runs in another precision.</param>
    /// <returns>The embeddings, on t's device. [B, dim]</returns>
    public static Tensor Compute(Tensor t, int dim, double maxPeriod = 10_000, ScalarType dtype = ScalarType.Float32)
    {
        if (dim < 2)
            throw new ArgumentOutOfRangeException(nameof(dim), dim, "The embedding needs at least 2 dimensions.");
        if (t.dim() != 1)
            throw new ArgumentException($"Expected timesteps [B], got [{string.Join(", ", t.shape)}].", nameof(t));
        using var scope = NewDisposeScope();
        int half = dim / 2;
        var frequencies = exp(-Math.Log(maxPeriod) * arange(half, dtype: dtype, device: t.device) / half);   // [half]
        var angles = t.to_type(dtype).unsqueeze(1) * frequencies.unsqueeze(0);                                 // [B, half]
        var embedding = cat([angles.cos(), angles.sin()], dim: 1);                                                         // [B, 2 half]
        if (dim % 2 == 1)
            embedding = nn.functional.pad(embedding, [0, 1]);                                                             // [B, dim]
        return embedding.MoveToOuterDisposeScope();
    }
}
