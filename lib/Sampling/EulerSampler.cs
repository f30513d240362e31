using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Euler's method on the rectified flow's ODE dx/dt = u(x_t, t) (Liu et al. 2023, sec. 2; the sampler of Esser et al.
/// 2024): from x_1 ~ N(0, I) at t = 1, for each visited time t and the next one s (0 after the last):
///
///   1. x0, u = the process's reading of model(x_t, t), u = eps - x0                     (<see cref="FlowOde"/>)
///   2. x_s   = x_t + (s - t) u                                                            (Euler's step)
///
/// The last step lands on x_t - t u = x0, the predicted image: no noise is added at the end. One network evaluation per
/// step; the error at t = 0 falls in proportion to the step size (first order). On this path the step equals DDIM with
/// eta = 0 (re-noising x0 with eps at level s gives (1 - s) x0 + s eps = x_t + (s - t) u): lesson 11 checks it.
/// </summary>
public sealed class EulerSampler : Sampler
{
    private readonly bool _clipX0;
    private readonly double[] _times;                                                            // t_k = (k + 1) / T

    /// <param name="steps">Network evaluations: 1 .. T.</param>
    /// <param name="clipX0">Clip the predicted x_0 to [-1, 1] before taking the step (then u = eps - x0 of the clipped pair).</param>
    /// <param name="spacing">Which timesteps; Trailing (the default) starts at t = 1, pure noise.</param>
    public EulerSampler(DiffusionProcess process, int steps, bool clipX0 = false, Spacing spacing = Spacing.Trailing)
        : base(process)
    {
        _times = FlowOde.Times(process, "Euler");
        _clipX0 = clipX0;
        Timesteps = TimestepSpacing.Choose(process.Schedule, steps, spacing);                    // e.g. 999, 949, .., 49
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): its steps (required) and spacing; there is no eta.</summary>
    public EulerSampler(DiffusionProcess process, SamplerSpec spec)
        : this(process, spec.Steps ?? throw new ArgumentException("Euler needs a step count, e.g. euler:20.", nameof(spec)),
            spec.ClipX0, spec.Spacing ?? Spacing.Trailing)
    {
        if (spec.Eta != 0)
            throw new ArgumentException("Euler solves the deterministic ODE: it has no eta (use DDIM for eta > 0).", nameof(spec));
    }

    /// <summary>The code timesteps visited, highest first.</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        using var scope = NewDisposeScope();
        double t = _times[Timesteps[index]];
        double s = index + 1 < Timesteps.Count ? _times[Timesteps[index + 1]] : 0.0;            // 0: the image
        var (x0, u) = FlowOde.Read(Process, output, xt, Timesteps[index], _clipX0);            // step 1   [B, C, H, W]
        var previous = xt + (s - t) * u;                                                        // step 2
        return new SamplerStep(previous.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }
}
