using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Data whose best noise predictor is known exactly, for checking samplers and what is built on them: every pixel of x_0
/// drawn independently from N(mu, s^2), for which E[eps | x_t] = sqrt(1 - abar_t) (x_t - sqrt(abar_t) mu) / (abar_t s^2 + 1 - abar_t).
/// A correct sampler driven by <see cref="OptimalEps"/> must produce samples with mean mu and variance s^2.
/// </summary>
internal static class GaussianData
{
    public const double Mu = 0.3, S = 0.5;
    public static readonly NoiseSchedule Schedule = NoiseSchedule.Linear();

    /// <summary>The process of a network that outputs eps, as <see cref="OptimalEps"/> does.</summary>
    public static readonly DiffusionProcess Process = new(Schedule);

    public static Tensor OptimalEps(Tensor xt, Tensor t)
    {
        var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);
        return (1 - abar).sqrt() * (xt - abar.sqrt() * Mu) / (abar * S * S + 1 - abar);
    }
}
