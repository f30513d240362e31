using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Heun's method on the rectified flow's ODE dx/dt = u(x_t, t) (Karras et al. 2022, Algorithm 1, in the flow's time t):
/// Euler's step predicts where x lands, the velocity there corrects it, and the step takes the average of the two. From
/// the visited time t_i to the next one t_(i+1):
///
///   1. u_i   = the velocity the process reads from model(x_i, t_i)                       (<see cref="FlowOde"/>)
///   2. x'    = x_i + (t_(i+1) - t_i) u_i                                                  (predictor: Euler's step)
///   3. u'    = the velocity read from model(x', t_(i+1))
///   4. x_i+1 = x_i + (t_(i+1) - t_i) (u_i + u') / 2                                        (corrector: the trapezoid rule)
///
/// The last step, from the lowest visited time to t = 0, is Euler's alone (Karras et al. do the same: the network was never
/// trained at t = 0), landing on the predicted image. With N distinct times that is 2N - 1 network evaluations, and the
/// error at t = 0 falls with the square of the step size (second order).
///
/// In the <see cref="Sampler"/> contract each evaluation is one step: <see cref="Timesteps"/> lists t_0, then t_1 twice (the
/// corrector's evaluation at x', then the next predictor's at x_1), t_2 twice, and so on, as diffusers' Heun scheduler
/// does. The sampler keeps x_i and u_i between the two halves, so a run starts at index 0 and takes the steps in order.
/// </summary>
public sealed class HeunSampler : Sampler
{
    private readonly bool _clipX0;
    private readonly double[] _times;                                                            // t_k = (k + 1) / T
    private Tensor? _start;                                                                      // x_i, where the predictor started
    private Tensor? _startVelocity;                                                              // u_i
    private int _nextIndex;

    /// <param name="steps">Distinct times visited, 1 .. T: 2 steps - 1 network evaluations.</param>
    /// <param name="clipX0">Clip each predicted x_0 to [-1, 1] before reading the velocity.</param>
    /// <param name="spacing">Which timesteps; Trailing (the default) starts at t = 1, pure noise.</param>
    public HeunSampler(DiffusionProcess process, int steps, bool clipX0 = false, Spacing spacing = Spacing.Trailing)
        : base(process)
    {
        _times = FlowOde.Times(process, "Heun");
        _clipX0 = clipX0;
        int[] distinct = TimestepSpacing.Choose(process.Schedule, steps, spacing);              // e.g. 999, 899, .., 99
        Times = distinct;
        Timesteps = [distinct[0], .. distinct.Skip(1).SelectMany(k => new[] { k, k })];          // t_0, t_1, t_1, t_2, t_2, ..
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): its steps (required) and spacing; there is no eta.</summary>
    public HeunSampler(DiffusionProcess process, SamplerSpec spec)
        : this(process, spec.Steps ?? throw new ArgumentException("Heun needs a step count, e.g. heun:10 (19 network evaluations).", nameof(spec)),
            spec.ClipX0, spec.Spacing ?? Spacing.Trailing)
    {
        if (spec.Eta != 0)
            throw new ArgumentException("Heun solves the deterministic ODE: it has no eta (use DDIM for eta > 0).", nameof(spec));
    }

    /// <summary>The distinct code timesteps, highest first: the points the solution passes through.</summary>
    public IReadOnlyList<int> Times { get; }

    /// <summary>Every network evaluation's code timestep: t_0, then each later time twice.</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    /// <summary>The corrector needs the predictor's start and velocity.</summary>
    public override bool RemembersSteps => true;

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        if (index == 0)
            Forget();                                                                           // a new run
        else if (index != _nextIndex)
            throw new InvalidOperationException($"Heun's step {index} needs step {index - 1} of the same run first (the next step of " +
                $"this run is {_nextIndex}). Start every run at index 0 and take the steps in order.");
        using var scope = NewDisposeScope();
        var (x0, u) = FlowOde.Read(Process, output, xt, Timesteps[index], _clipX0);            // steps 1 and 3   [B, C, H, W]
        _nextIndex = index + 1;
        if (index % 2 == 1)                                                                     // step 4: the corrector
        {
            int i = (index - 1) / 2;                                                            // from Times[i] to Times[i + 1]
            double h = _times[Times[i + 1]] - _times[Times[i]];
            var corrected = _start! + h * 0.5 * (_startVelocity! + u);
            Forget(keepIndex: true);
            return new SamplerStep(corrected.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
        }
        int from = index / 2;                                                                   // a predictor at Times[from]
        double t = _times[Times[from]];
        double s = from + 1 < Times.Count ? _times[Times[from + 1]] : 0.0;                      // 0: the image
        var predicted = xt + (s - t) * u;                                                       // step 2
        if (from + 1 < Times.Count)
        {
            _start = xt.alias().DetachFromDisposeScope();
            _startVelocity = u.alias().DetachFromDisposeScope();
        }
        return new SamplerStep(predicted.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>A run from <paramref name="startIndex"/> begins there: at a predictor (an even index), with nothing remembered.</summary>
    protected override void BeginRun(int startIndex)
    {
        if (startIndex % 2 == 1)
            throw new ArgumentOutOfRangeException(nameof(startIndex), startIndex, "A Heun run starts at a predictor step (an even index): " +
                "an odd index is the corrector of the step before it.");
        Forget();
        _nextIndex = startIndex;
    }

    private void Forget(bool keepIndex = false)
    {
        _start?.Dispose();
        _startVelocity?.Dispose();
        (_start, _startVelocity) = (null, null);
        if (!keepIndex)
            _nextIndex = 0;
    }
}
