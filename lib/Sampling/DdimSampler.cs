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
/// Written for any schedule x_t = alpha_t x_0 + sigma_t eps (<see cref="NoiseSchedule.SignalScales"/>, which the paper's
/// sqrt(abar) and sqrt(1 - abar) are when the schedule is variance preserving), step 2 is eta times the standard deviation of
/// q(x_s | x_t, x_0), sqrt((sigma_s^2 / sigma_t^2) (sigma_t^2 - (alpha_t / alpha_s)^2 sigma_s^2)), and step 3 is
/// x_s = alpha_s x0 + sqrt(sigma_s^2 - sigma^2) eps + sigma z. With eta = 0 that re-noises the predicted x0 with the
/// predicted eps: on the rectified flow's path it is exactly an Euler step x_s = x_t + (s - t)(eps - x0) (lesson 11).
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
    /// <param name="spacing">Which timesteps; by default Even, or Trailing for a schedule that ends in pure noise (the rectified flow).</param>
    public DdimSampler(DiffusionProcess process, int steps, double eta = 0.0, bool clipX0 = false, Spacing? spacing = null)
        : base(process)
    {
        if (!(eta >= 0) || double.IsInfinity(eta))
            throw new ArgumentOutOfRangeException(nameof(eta), eta, "eta must be a finite number >= 0.");
        Eta = eta;
        _clipX0 = clipX0;
        Timesteps = TimestepSpacing.Choose(process.Schedule, steps, spacing ?? TimestepSpacing.DefaultFor(process.Schedule));   // e.g. 980, .., 0
    }

    /// <summary>From a parsed spec (<see cref="SamplerSpec"/>): its steps (required), eta and spacing.</summary>
    public DdimSampler(DiffusionProcess process, SamplerSpec spec)
        : this(process, spec.Steps ?? throw new ArgumentException("DDIM needs a step count, e.g. ddim:50.", nameof(spec)),
            spec.Eta, spec.ClipX0, spec.Spacing)
    {
    }

    public double Eta { get; }

    /// <summary>The code timesteps visited, highest first (ending at 0 unless the spacing is Trailing).</summary>
    public override IReadOnlyList<int> Timesteps { get; }

    protected override SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator)
    {
        using var scope = NewDisposeScope();
        int t = Timesteps[index];
        bool last = index + 1 == Timesteps.Count;
        double alphaT = Schedule.SignalScales[t], varianceT = Schedule.NoiseVariances[t];       // sqrt(abar_t), 1 - abar_t
        double alphaS = last ? 1.0 : Schedule.SignalScales[Timesteps[index + 1]];               // the clean image after the last
        double varianceS = last ? 0.0 : Schedule.NoiseVariances[Timesteps[index + 1]];
        var (x0, eps) = Process.Interpret(output, xt, tensor(t), _clipX0);                     // step 1   [B, C, H, W]
        double alphaTs = alphaT / alphaS;
        double sigma = Eta * Math.Sqrt(varianceS / varianceT * Math.Max(varianceT - alphaTs * alphaTs * varianceS, 0));   // step 2
        var previous = alphaS * x0 + Math.Sqrt(Math.Max(varianceS - sigma * sigma, 0)) * eps;                           // step 3
        if (sigma > 0)
        {
            var z = randn(xt.shape, dtype: xt.dtype, generator: generator
                ?? throw new ArgumentNullException(nameof(generator), "eta > 0 needs a generator for the noise.")).to(xt.device);
            previous = previous + sigma * z;
        }
        return new SamplerStep(previous.MoveToOuterDisposeScope(), x0.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Deterministic DDIM run backwards (eta = 0): from a clean image x_0 to the x_T that
    /// <see cref="Sampler.Sample(ModelOutput, Tensor, Generator?, bool, IProgress{int}?)"/> would turn back into it. Each
    /// step evaluates the network where it is, reads its output as x_0 and eps (unclipped), then re-noises that x_0 with
    /// that eps to the next visited timestep (eq. 12 with the roles of s and t swapped). Exact only in the limit of many
    /// steps. The first step starts from x_0 itself and asks the network at t = 0 for its eps.
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
            var next = Schedule.SignalScales[t] * predictedX0 + Schedule.NoiseScales[t] * eps;  // eq. 12, eta = 0
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
            (tCurrent, clean) = (t, false);
        }
        return x;
    }
}
