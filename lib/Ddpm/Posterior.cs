using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The forward-process posterior q(x_{t-1} | x_t, x_0) = N(mu-tilde_t(x_t, x_0), beta-tilde_t I) (Ho et al. 2020, eq. 6-7).
/// It is what the reverse process is trained to imitate: knowing x_0, one step back is an exact Gaussian.
/// </summary>
public sealed class Posterior(NoiseSchedule schedule)
{
    public NoiseSchedule Schedule { get; } = schedule;

    /// <summary>mu-tilde_t = coefX0_t x_0 + coefXt_t x_t (Ho eq. 7).</summary>
    public Tensor Mean(Tensor x0, Tensor xt, Tensor t)
    {
        using var coefX0 = Schedule.PosteriorMeanCoefX0.Gather(t, xt);     // [B, 1, 1, 1]
        using var coefXt = Schedule.PosteriorMeanCoefXt.Gather(t, xt);
        return coefX0 * x0 + coefXt * xt;
    }

    /// <summary>beta-tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t) (Ho eq. 7), broadcastable against like.</summary>
    public Tensor Variance(Tensor t, Tensor like) => Schedule.PosteriorVariance.Gather(t, like);

    /// <summary>log beta-tilde_t, with t = 0 (where beta-tilde is 0) clipped to the value at t = 1.</summary>
    public Tensor LogVarianceClipped(Tensor t, Tensor like) => Schedule.PosteriorLogVarianceClipped.Gather(t, like);
}
