using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// DDIM (Song, Meng and Ermon 2021): a sampler for the same trained network that visits only a subsequence of the T
/// timesteps. With eta = 0 it is deterministic (the same x_T always gives the same image) and can be run backwards
/// (<see cref="Invert"/>); eta = 1 recovers DDPM-like noise. For each step from t to the previous visited step s:
///
///   1. x0, eps = the process's reading of model(x_t, t)                                   (eq. 12, "predicted x0")
///   2. sigma = eta sqrt((1 - abar_s) / (1 - abar_t)) sqrt(1 - abar_t / abar_s)             (eq. 16)
///   3. x_s   = sqrt(abar_s) x0 + sqrt(1 - abar_s - sigma^2) eps + sigma z                  (eq. 12)
///
/// After the last visited step (t = 0, or 19 with trailing spacing) abar_s is taken as 1, so the result is the predicted x_0 itself: no noise is
/// added at the end. The caller may write the loop (see <see cref="Sampler"/>) or call Sample.
/// </summary>
public sealed class DdimSampler : Sampler
{
    private readonly bool _clipX0;

    /// <param name="steps">How many network evaluations: 1 .. T, at the timesteps <paramref name="spacing"/> picks.</param>
    /// <param name="eta">0 for deterministic DDIM, 1 for DDPM-like stochastic sampling.</param>
    /// <param name="clipX0">Clip the predicted x_0 to [-1, 1] (off for inversion and for unbounded data).</param>
    public DdimSampler(DiffusionProcess process, int steps, double eta = 0.0, bool clipX0 = false, Spacing spacing = Spacing.Even)
        : base(process)
    {
        if (!(eta >= 0) || double.IsInfinity(eta))
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be a finite number >= 0.");
        Eta = eta;
        _clipX0 = clipX0;
        Timesteps = TimestepSpacing.Choose(process.Schedule, steps, spacing);                               // e.g. 980, 960, .., 0
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): its steps (required), eta and spacing.</summary>
    public DdimSampler(DiffusionProcess process, SamplerSpec spec)
        : this(process, spec.Steps ?? throw new ArgumentException("DDIM needs a step count, e.g. ddim:50.", nameof(spec)),
            spec.Eta, spec.ClipX0, spec.Spacing ?? Spacing.Even)
    {
    }

    public double Eta { get; }

    /// <summary>The code timesteps visited, highest first (ending at 0 unless the spacing is Trailing).</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        using var scope = NewDisposeScope();
        int t = Timesteps[index];
        double abarT = Schedule.AlphaBars[t];
        double abarS = index + 1 < Timesteps.Count ? Schedule.AlphaBars[Timesteps[index + 1]] : 1.0;
        var (x0, eps) = Process.Interpret(output, xt, tensor(t), _clipX0);                     // step 1   [B, C, H, W]
        double sigma = Eta * Math.Sqrt((1 - abarS) / (1 - abarT)) * Math.Sqrt(1 - abarT / abarS);   // step 2
        var previous = Math.Sqrt(abarS) * x0 + Math.Sqrt(Math.Max(1 - abarS - sigma * sigma, 0)) * eps;   // step 3
        if (sigma > 0)
        {
            var z = randn(xt.shape, dtype: xt.dtype, generator: generator
                ?? throw new ArgumentNullException(nameof(generator), "eta > 0 needs a generator for the noise.")).to(xt.device);
            previous = previous + sigma * z;
        }
        return new SamplerStep(previous.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Deterministic DDIM run backwards (eta = 0): from a clean image x_0 to the x_T that <see cref="Sample"/> would
    /// turn back into it. Each step evaluates the network where it is, reads its output as x_0 and eps (unclipped), then
    /// re-noises that x_0 with that eps to the next visited timestep (eq. 12 with the roles of s and t swapped). Exact only
    /// in the limit of many steps. The first step starts from x_0 itself and asks the network at t = 0 for its eps.
    /// </summary>
    public Tensor Invert(ModelOutput model, Tensor x0)
    {
        var x = x0.alias();
        int tCurrent = 0;                                                                        // where the network is first asked
        bool clean = true;                                                                       // x is x_0 itself (abar = 1)
        foreach (int t in Timesteps.Reverse())                                                   // 0, stride, .., highest
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var time = full(x.shape[0], (long)tCurrent, dtype: ScalarType.Int64, device: x.device);   // [B]
            var (predictedX0, eps) = Process.Interpret(model(x, time), x, time, clipX0: false);        // [B, C, H, W]
            if (clean)
                predictedX0 = x;                                                                 // the image, not a prediction
            var next = Math.Sqrt(Schedule.AlphaBars[t]) * predictedX0 + Math.Sqrt(1 - Schedule.AlphaBars[t]) * eps;
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
            (tCurrent, clean) = (t, false);
        }
        return x;
    }
}
