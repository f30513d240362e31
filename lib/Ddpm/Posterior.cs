using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The forward-process posterior q(x_{t-1} | x_t, x_0) = N(mu-tilde_t(x_t, x_0), beta-tilde_t I) (Ho et al. 2020, eq. 6-7),
/// as lesson 03 teaches it: what the reverse process is trained to imitate, since knowing x_0, one step back is an exact
/// Gaussian. A view of a <see cref="DiffusionProcess"/>, which owns the formulas.
/// </summary>
public sealed class Posterior
{
    private readonly DiffusionProcess _process;

    public Posterior(NoiseSchedule schedule) : this(new DiffusionProcess(schedule))
    {
    }

    public Posterior(DiffusionProcess process) => _process = process;

    public NoiseSchedule Schedule => _process.Schedule;

    /// <summary>mu-tilde_t = coefX0_t x_0 + coefXt_t x_t (Ho eq. 7).</summary>
    public Tensor Mean(Tensor x0, Tensor xt, Tensor t) => _process.PosteriorMean(x0, xt, t);

    /// <summary>beta-tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t) (Ho eq. 7), broadcastable against like.</summary>
    public Tensor Variance(Tensor t, Tensor like) => _process.PosteriorVariance(t, like);

    /// <summary>log beta-tilde_t, with t = 0 (where beta-tilde is 0) clipped to the value at t = 1.</summary>
    public Tensor LogVarianceClipped(Tensor t, Tensor like) => _process.PosteriorLogVariance(t, like);
}
