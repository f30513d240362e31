using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// DPM-Solver++(2M) (Lu et al. 2022, "DPM-Solver++", Algorithm 2): a second-order multistep solver of the probability
/// flow ODE, written in terms of the model's clean-image prediction x0 ("data prediction"). Like DDIM (its first-order
/// special case) it jumps between a few timesteps, but it also reuses the previous step's x0, which makes it exact for an
/// x0 that changes linearly in lambda, where DDIM is exact only for a constant x0. The extrapolation needs neighbouring
/// steps of similar size in lambda, so by default the timesteps are evenly spaced in log-SNR (<see cref="Spacing"/>);
/// with DDIM's even spacing in t the last steps differ in size by a factor of 5 and the solver loses its advantage.
///
/// With alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t) (any x_t = alpha_t x_0 + sigma_t eps: <see cref="NoiseSchedule.SignalScales"/>)
/// and the half log-SNR lambda_t = log(alpha_t / sigma_t), one step
/// from t to the next visited timestep s (the previous step came from u):
///
///   1. x0 = the process's reading of model(x_t, t)                              (data prediction; (x_t - sigma_t eps) / alpha_t for eps)
///   2. h  = lambda_s - lambda_t;  r = (lambda_t - lambda_u) / h                  (Algorithm 2)
///   3. D  = (1 + 1 / (2r)) x0 - (1 / (2r)) x0_previous                           (second order; D = x0 on the first step)
///   4. x_s = (sigma_s / sigma_t) x_t - alpha_s (e^(-h) - 1) D                    (Algorithm 2; the linear part solved exactly)
///
/// After the last visited timestep (t = 0) the target is the clean image (sigma_s = 0, h = infinity), so step 4 returns D;
/// that last jump is first order (D = x0), as in Lu et al.'s "lower order final".
/// The sampler remembers the previous step's x0 itself: a run starts at index 0 (which forgets any earlier run) and takes
/// the steps in order, whether the caller writes the loop (see <see cref="Sampler"/>) or calls Sample (SampleFrom may
/// start later, e.g. from a noised image; that first step is first order).
/// </summary>
public sealed class DpmSolverSampler : Sampler
{
    private readonly bool _clipX0;
    private Tensor? _previousX0;                                                                 // step 3's x0_previous
    private int _nextIndex;                                                                      // the step a run may take next

    /// <param name="steps">Network evaluations: 1 .. T, ending at t = 0.</param>
    /// <param name="clipX0">Clip the data prediction to [-1, 1] ("thresholding", which Lu et al. recommend for pixel models).</param>
    public DpmSolverSampler(DiffusionProcess process, int steps, Spacing spacing = Spacing.UniformLogSnr, bool clipX0 = false)
        : base(process)
    {
        _clipX0 = clipX0;
        Timesteps = TimestepSpacing.Choose(process.Schedule, steps, spacing);
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): its steps (required) and spacing; there is no eta.</summary>
    public DpmSolverSampler(DiffusionProcess process, SamplerSpec spec)
        : this(process, spec.Steps ?? throw new ArgumentException("DPM-Solver++ needs a step count, e.g. dpm:20.", nameof(spec)),
            spec.Spacing ?? Spacing.UniformLogSnr, spec.ClipX0)
    {
        if (spec.Eta != 0)
            throw new ArgumentException("DPM-Solver++ solves the deterministic ODE: it has no eta (use DDIM for eta > 0).", nameof(spec));
    }

    /// <summary>The code timesteps visited, highest first (ending at 0 unless the spacing is Trailing).</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    private double Alpha(int index) => index < Timesteps.Count ? Schedule.SignalScales[Timesteps[index]] : 1.0;
    private double Sigma(int index) => index < Timesteps.Count ? Schedule.NoiseScales[Timesteps[index]] : 0.0;
    private double Lambda(int index) => Math.Log(Alpha(index) / Sigma(index));   // +infinity for the clean image, -infinity for pure noise

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        if (index == 0)
            Forget();                                                                           // a new run
        else if (index != _nextIndex)
            throw new InvalidOperationException($"DPM-Solver++ is a multistep method: step {index} needs step {index - 1} of the same run " +
                $"first (the next step of this run is {_nextIndex}). Start every run at index 0 and take the steps in order.");
        bool first = _previousX0 is null;
        using var scope = NewDisposeScope();
        double alphaT = Alpha(index), sigmaT = Sigma(index), alphaS = Alpha(index + 1), sigmaS = Sigma(index + 1);
        var x0 = Process.Interpret(output, xt, tensor(Timesteps[index]), _clipX0).X0;            // step 1   [B, C, H, W]
        bool last = index + 1 == Timesteps.Count;
        if (last)                                                                               // to the clean image: x_s = D = x0
        {
            Forget();
            return new SamplerStep(x0.MoveToOuterDisposeScope(), x0.alias().MoveToOuterDisposeScope());
        }
        double h = Lambda(index + 1) - Lambda(index);                                           // step 2
        var d = x0;
        if (!first)
        {
            double r = (Lambda(index) - Lambda(index - 1)) / h;
            d = (1 + 1 / (2 * r)) * x0 - 1 / (2 * r) * _previousX0!;                             // step 3
        }
        var previous = sigmaS / sigmaT * xt - alphaS * (Math.Exp(-h) - 1) * d;                      // step 4
        _previousX0?.Dispose();
        _previousX0 = x0.alias().DetachFromDisposeScope();                                     // kept until the next step
        _nextIndex = index + 1;
        return new SamplerStep(previous.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>Step 3 uses the previous step's x0.</summary>
    public override bool RemembersSteps => true;

    /// <summary>A run from <paramref name="startIndex"/> begins: nothing is remembered yet.</summary>
    protected override void BeginRun(int startIndex)
    {
        Forget();
        _nextIndex = startIndex;
    }

    /// <summary>Drops the remembered x0, so that the next run starts clean.</summary>
    private void Forget()
    {
        _previousX0?.Dispose();
        _previousX0 = null;
        _nextIndex = 0;
    }
}
