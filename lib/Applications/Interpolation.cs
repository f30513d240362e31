using static TorchSharp.torch;

namespace Diffusion.Applications;

/// <summary>
/// Paths between two noise images x_T. A straight line (lerp) cuts through the middle of the Gaussian: at w = 1/2 two
/// independent N(0, I) vectors average to a vector of norm about sqrt(D / 2), which the model never saw as an x_T. The
/// spherical path (slerp, Shoemake 1985; used on DDIM latents by Song et al. 2021, sec. 5.3) keeps the norm, so every
/// point looks like noise the model knows:
///
///   theta = arccos(a . b / (|a| |b|))
///   slerp(a, b, w) = sin((1 - w) theta) / sin(theta) a + sin(w theta) / sin(theta) b
/// </summary>
public static class Interpolation
{
    /// <summary>(1 - w) a + w b. [B, ...]</summary>
    public static Tensor Lerp(Tensor a, Tensor b, double w) => (1 - w) * a + w * b;

    /// <summary>The spherical interpolation above, with its own angle for each sample of the batch. [B, ...]</summary>
    public static Tensor Slerp(Tensor a, Tensor b, double w)
    {
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"Cannot interpolate between [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}].", nameof(b));
        using var scope = NewDisposeScope();
        var flatA = a.flatten(1).to_type(ScalarType.Float64);                                  // [B, D]
        var flatB = b.flatten(1).to_type(ScalarType.Float64);
        var cosine = (flatA * flatB).sum(1) / (flatA.norm(1) * flatB.norm(1));                  // [B]
        var theta = cosine.clamp(-1, 1).acos().unsqueeze(1);                                    // [B, 1]
        var sinTheta = theta.sin();
        var nearlyParallel = sinTheta.abs() < 1e-6;                                            // slerp tends to lerp
        var weightA = where(nearlyParallel, full_like(theta, 1 - w), ((1 - w) * theta).sin() / sinTheta);
        var weightB = where(nearlyParallel, full_like(theta, w), (w * theta).sin() / sinTheta);
        var result = (weightA * flatA + weightB * flatB).to_type(a.dtype).reshape(a.shape);   // [B, ...]
        return result.MoveToOuterDisposeScope();
    }
}
