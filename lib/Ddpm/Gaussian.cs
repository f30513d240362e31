using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>The two Gaussian quantities the variational bound is made of, elementwise and in nats.</summary>
public static class Gaussian
{
    /// <summary>Half the width of one 8-bit bin in the data range [-1, 1]: bins are 2/255 wide.</summary>
    public const double HalfBin = 1.0 / 255.0;

    /// <summary>
    /// KL(N(mean1, exp(logVar1)) || N(mean2, exp(logVar2))) per element:
    /// 0.5 (log v2 - log v1 + v1 / v2 + (m1 - m2)^2 / v2 - 1). Ho et al. 2020, eq. 5 needs it in closed form.
    /// </summary>
    public static Tensor Kl(Tensor mean1, Tensor logVar1, Tensor mean2, Tensor logVar2) =>
        0.5 * (logVar2 - logVar1 + (logVar1 - logVar2).exp() + (mean1 - mean2).square() * (-logVar2).exp() - 1.0);

    /// <summary>Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF.</summary>
    public static Tensor StandardNormalCdf(Tensor x) => 0.5 * (1.0 + (x / Math.Sqrt(2)).erf());

    /// <summary>
    /// log of the probability that N(mean, exp(logScale)^2) puts on the 8-bit bin holding x (Ho et al. 2020, eq. 13):
    /// the bin [x - 1/255, x + 1/255], except the edge bins, which reach to -inf (x = -1) and +inf (x = 1), so that
    /// the 256 probabilities sum to one. x must lie on the grid k / 127.5 - 1.
    /// </summary>
    public static Tensor DiscretizedLogLikelihood(Tensor x, Tensor mean, Tensor logScale)
    {
        using var scope = NewDisposeScope();
        var inverseScale = (-logScale).exp();
        var centered = x - mean;
        var cdfUpper = StandardNormalCdf(inverseScale * (centered + HalfBin));
        var cdfLower = StandardNormalCdf(inverseScale * (centered - HalfBin));
        var logCdfUpper = cdfUpper.clamp_min(1e-12).log();                        // lowest bin: P(X <= x + 1/255)
        var logSurvivalLower = (1.0 - cdfLower).clamp_min(1e-12).log();           // highest bin: P(X >= x - 1/255)
        var logBin = (cdfUpper - cdfLower).clamp_min(1e-12).log();
        return where(x < -0.999, logCdfUpper, where(x > 0.999, logSurvivalLower, logBin)).MoveToOuterDisposeScope();
    }
}
