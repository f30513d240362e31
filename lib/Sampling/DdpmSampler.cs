using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Ancestral sampling of DDPM (Ho et al. 2020, Algorithm 2): start from x_T ~ N(0, I) and apply the learned reverse step
/// at t = T .. 1, adding fresh noise sigma_t z at every step except the last, which returns the mean.
///
///   1. eps   = model(x_t, t)
///   2. x0    = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t)                 (eq. 15; clipped to [-1, 1] if ClipX0)
///   3. mean  = coefX0_t x0 + coefXt_t x_t                                  (eq. 7; equals eq. 11 without clipping)
///   4. x_t-1 = mean + sigma_t z, z ~ N(0, I), and z = 0 at the last step    (Algorithm 2, line 4)
///
/// The caller may write the loop (see <see cref="Step"/>) or call <see cref="Sample"/>.
/// </summary>
/// <param name="variance">sigma_t^2 = beta-tilde_t or beta_t (Ho et al., sec. 3.2: both gave similar samples).</param>
/// <param name="clipX0">Clip the predicted x_0 to the data range, as Ho et al.'s released code does; off for unbounded data.</param>
public sealed class DdpmSampler(NoiseSchedule schedule, ReverseVariance variance = ReverseVariance.PosteriorVariance, bool clipX0 = true)
{
    private readonly ForwardProcess _forward = new(schedule);
    private readonly Posterior _posterior = new(schedule);

    public NoiseSchedule Schedule { get; } = schedule;

    /// <summary>Code timesteps in the order they are visited: T-1 down to 0.</summary>
    public IEnumerable<int> Timesteps => Enumerable.Range(0, Schedule.Steps).Reverse();

    /// <summary>One reverse step from x_t at code timestep t, given the model's noise estimate.</summary>
    public SamplerStep Step(Tensor eps, int t, Tensor xt, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var time = tensor(t);
        var x0 = _forward.X0FromEps(xt, eps, time);                                             // step 2
        if (clipX0)
            x0 = x0.clamp(-1, 1);
        var mean = _posterior.Mean(x0, xt, time);                                               // step 3
        if (t == 0)                                                                             // step 4: no noise at the end
            return new SamplerStep(mean.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
        double sigma = Math.Sqrt(variance == ReverseVariance.Beta ? Schedule.Betas[t] : Schedule.PosteriorVariance[t]);
        var z = randn(xt.shape, dtype: xt.dtype, generator: generator).to(xt.device);
        return new SamplerStep((mean + sigma * z).MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>Runs the whole chain from pure noise; <paramref name="keepTrajectory"/> keeps x at every step (on the CPU).</summary>
    public SampleResult Sample(NoisePredictor model, long[] shape, Generator generator, Device device,
        bool keepTrajectory = false, IProgress<int>? progress = null)
    {
        using var xT = randn(shape, generator: generator).to(device);                          // x_T ~ N(0, I)
        return Sample(model, xT, generator, keepTrajectory, progress);
    }

    /// <summary>Runs the whole chain from a given x_T (to compare samplers on the same starting noise).</summary>
    public SampleResult Sample(NoisePredictor model, Tensor xT, Generator generator, bool keepTrajectory = false, IProgress<int>? progress = null)
    {
        int[] visited = Timesteps.ToArray();
        return SamplingLoop.Run(model, xT, visited, (i, x, eps) => Step(eps, visited[i], x, generator), keepTrajectory, progress);
    }
}
