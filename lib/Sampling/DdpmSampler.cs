using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Ancestral sampling of DDPM (Ho et al. 2020, Algorithm 2): start from x_T ~ N(0, I) and apply the learned reverse step
/// at t = T .. 1, adding fresh noise sigma_t z at every step except the last, which returns the mean.
///
///   1. output = model(x_t, t)                                             (eps, x_0 or v)
///   2. x0     = the process's reading of it                                (eq. 15 for eps; clipped to [-1, 1] if ClipX0)
///   3. mean   = coefX0_t x0 + coefXt_t x_t                                 (eq. 7; equals eq. 11 without clipping)
///   4. x_t-1  = mean + sigma_t z, z ~ N(0, I), and z = 0 at the last step   (Algorithm 2, line 4)
///
/// Steps 2-3 are <see cref="DiffusionProcess.ReverseMean"/>, the same reverse step the variational bound scores, and
/// sigma_t^2 is the process's reverse variance. The caller may write the loop (see <see cref="Sampler"/>) or call Sample.
/// </summary>
public sealed class DdpmSampler : Sampler
{
    private readonly bool _clipX0;

    /// <param name="process">The model's process; its reverse variance sets sigma_t^2 (beta-tilde_t or beta_t: Ho et al.,
    /// sec. 3.2, found both gave similar samples).</param>
    /// <param name="clipX0">Clip the predicted x_0 to the data range, as Ho et al.'s released code does; off for unbounded data.</param>
    public DdpmSampler(DiffusionProcess process, bool clipX0 = true) : base(process)
    {
        _clipX0 = clipX0;
        Timesteps = Enumerable.Range(0, process.Schedule.Steps).Reverse().ToArray();
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): DDPM always takes all T steps and has no eta or spacing.</summary>
    public DdpmSampler(DiffusionProcess process, SamplerSpec spec) : this(process, clipX0: spec.ClipX0)
    {
        if (spec.Steps is int steps && steps != process.Schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(spec), steps, $"DDPM always takes all {process.Schedule.Steps} steps; use DDIM or DPM-Solver++ for fewer.");
        if (spec.Eta != 0 || spec.Spacing is not null)
            throw new ArgumentException("DDPM has no eta and no spacing: it visits every timestep and always adds the posterior noise.", nameof(spec));
    }

    /// <summary>Code timesteps in the order they are visited: T-1 down to 0.</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        int t = Timesteps[index];
        using var scope = NewDisposeScope();
        using var time = tensor(t);
        var (mean, x0) = Process.ReverseMean(output, xt, time, _clipX0);                       // steps 2-3   [B, C, H, W]
        if (t == 0)                                                                             // step 4: no noise at the end
            return new SamplerStep(mean.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
        double sigma = Math.Sqrt(Process.ReverseVariances[t]);
        var z = randn(xt.shape, dtype: xt.dtype, generator: generator
            ?? throw new ArgumentNullException(nameof(generator), "DDPM adds fresh noise at every step but the last: pass a generator.")).to(xt.device);
        return new SamplerStep((mean + sigma * z).MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }
}
