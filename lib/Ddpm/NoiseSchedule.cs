using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// A noise schedule beta_1..beta_T and every quantity derived from it, computed once in double precision and exposed
/// read-only (<see cref="ScheduleTable"/>: each table is uploaded to a device once, not on every call).
///
/// Indexing: arrays are indexed by the code timestep t = 0..T-1, which is the paper's t + 1 (code t = 0 is the
/// paper's first step, t = 1). This is the convention of diffusers and improved-diffusion.
///
/// | code                        | paper                                   | source                  |
/// |-----------------------------|-----------------------------------------|-------------------------|
/// | Betas[t]                    | beta_t                                  | Ho et al. 2020, eq. 2   |
/// | Alphas[t]                   | alpha_t = 1 - beta_t                    | Ho, sec. 2              |
/// | AlphaBars[t]                | abar_t = prod_{s&lt;=t} alpha_s             | Ho, eq. 4               |
/// | AlphaBarsPrevious[t]        | abar_{t-1}, with abar_0 = 1             | Ho, eq. 7               |
/// | SqrtAlphaBars, SqrtOneMinusAlphaBars | the signal and noise weights of x_t | Ho, eq. 4             |
/// | SqrtAlphas, SqrtBetas       | the weights of one Markov step           | Ho, eq. 2               |
/// | LogOneMinusAlphaBars        | log(1 - abar_t), the log variance of q(x_t given x_0) | Ho, eq. 4 |
/// | Snr[t]                      | abar_t / (1 - abar_t)                   | Kingma et al. 2021      |
/// | PosteriorVariance[t]        | beta-tilde_t                            | Ho, eq. 7               |
/// | PosteriorMeanCoefX0, ...Xt  | the two weights of mu-tilde_t           | Ho, eq. 7               |
/// </summary>
public sealed class NoiseSchedule
{
    private NoiseSchedule(ScheduleKind? kind, double[] betas)
    {
        Kind = kind;
        int steps = betas.Length;
        var alphas = Map(betas, beta => 1 - beta);
        var alphaBars = new double[steps];
        var alphaBarsPrevious = new double[steps];
        double product = 1;
        for (int t = 0; t < steps; t++)
        {
            alphaBarsPrevious[t] = product;
            product *= alphas[t];
            alphaBars[t] = product;                                                   // Ho eq. 4
        }
        Betas = new(betas);
        Alphas = new(alphas);
        AlphaBars = new(alphaBars);
        AlphaBarsPrevious = new(alphaBarsPrevious);
        SqrtAlphas = new(Map(alphas, Math.Sqrt));
        SqrtBetas = new(Map(betas, Math.Sqrt));
        SqrtAlphaBars = new(Map(alphaBars, Math.Sqrt));
        SqrtOneMinusAlphaBars = new(Map(alphaBars, abar => Math.Sqrt(1 - abar)));
        LogOneMinusAlphaBars = new(Map(alphaBars, abar => Math.Log(1 - abar)));
        Snr = new(Map(alphaBars, abar => abar / (1 - abar)));
        LogSnr = new(Snr.Select(snr => Math.Log(snr)));

        // Posterior q(x_{t-1} | x_t, x_0) = N(coefX0 * x0 + coefXt * xt, betaTilde)   (Ho eq. 6-7)
        var posteriorVariance = new double[steps];
        var coefX0 = new double[steps];
        var coefXt = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            posteriorVariance[t] = betas[t] * (1 - alphaBarsPrevious[t]) / (1 - alphaBars[t]);
            coefX0[t] = betas[t] * Math.Sqrt(alphaBarsPrevious[t]) / (1 - alphaBars[t]);
            coefXt[t] = (1 - alphaBarsPrevious[t]) * Math.Sqrt(alphas[t]) / (1 - alphaBars[t]);
        }
        PosteriorVariance = new(posteriorVariance);
        PosteriorMeanCoefX0 = new(coefX0);
        PosteriorMeanCoefXt = new(coefXt);
        // beta-tilde is 0 at code t = 0; its log is clipped to the next value (as improved-diffusion does),
        // so that the log stays finite. Only the decoder term at t = 0 uses it.
        var logVariance = Map(posteriorVariance, Math.Log);
        if (steps > 1)
            logVariance[0] = logVariance[1];
        PosteriorLogVarianceClipped = new(logVariance);
    }

    /// <summary>The family this schedule was made from, or null for <see cref="FromBetas"/>.</summary>
    public ScheduleKind? Kind { get; }

    /// <summary>T, the number of diffusion steps.</summary>
    public int Steps => Betas.Count;

    public ScheduleTable Betas { get; }
    public ScheduleTable Alphas { get; }
    public ScheduleTable AlphaBars { get; }
    public ScheduleTable AlphaBarsPrevious { get; }
    public ScheduleTable SqrtAlphas { get; }
    public ScheduleTable SqrtBetas { get; }
    public ScheduleTable SqrtAlphaBars { get; }
    public ScheduleTable SqrtOneMinusAlphaBars { get; }
    public ScheduleTable LogOneMinusAlphaBars { get; }
    public ScheduleTable Snr { get; }
    public ScheduleTable LogSnr { get; }
    public ScheduleTable PosteriorVariance { get; }
    public ScheduleTable PosteriorLogVarianceClipped { get; }
    public ScheduleTable PosteriorMeanCoefX0 { get; }
    public ScheduleTable PosteriorMeanCoefXt { get; }

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(ScheduleKind, int), NoiseSchedule> Published = new();

    /// <summary>
    /// A schedule of the given family with its published defaults. Schedules are immutable, so each (kind, T) is made
    /// once per process and shared: every model, trainer and sampler of it uses the same tables, uploaded once per device.
    /// </summary>
    public static NoiseSchedule Create(ScheduleKind kind, int steps = 1000) => Published.GetOrAdd((kind, steps), key => Make(key.Item1, key.Item2));

    private static NoiseSchedule Make(ScheduleKind kind, int steps) => kind switch
    {
        ScheduleKind.Linear => Linear(steps),
        ScheduleKind.Cosine => Cosine(steps),
        ScheduleKind.Sigmoid => Sigmoid(steps),
        ScheduleKind.ScaledLinear => ScaledLinear(steps),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown schedule kind."),
    };

    /// <summary>beta_t evenly spaced from betaStart to betaEnd (Ho et al. 2020: 1e-4 to 0.02 with T = 1000).</summary>
    public static NoiseSchedule Linear(int steps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        CheckEnds(steps, betaStart, betaEnd);
        return new(ScheduleKind.Linear, Spaced(steps, betaStart, betaEnd, x => x));
    }

    /// <summary>
    /// abar(t) = f(t) / f(0) with f(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2); beta_t = 1 - abar(t) / abar(t - 1),
    /// capped at maxBeta to avoid a singularity at t = T (Nichol and Dhariwal 2021, eq. 17 and sec. 3.2).
    /// </summary>
    public static NoiseSchedule Cosine(int steps = 1000, double offset = 0.008, double maxBeta = 0.999)
    {
        CheckSteps(steps);
        if (offset < 0)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "The cosine offset s must be >= 0.");
        if (!(maxBeta > 0 && maxBeta < 1))
            throw new ArgumentOutOfRangeException(nameof(maxBeta), maxBeta, "maxBeta must lie in (0, 1).");
        double F(double t) => Math.Pow(Math.Cos((t / steps + offset) / (1 + offset) * Math.PI / 2), 2);
        var betas = new double[steps];
        for (int t = 0; t < steps; t++)
            betas[t] = Math.Min(1 - F(t + 1) / F(t), maxBeta);
        return new(ScheduleKind.Cosine, betas);
    }

    /// <summary>beta_t = betaStart + (betaEnd - betaStart) * sigmoid(x), x evenly spaced on [-6, 6] (GeoDiff; diffusers' "sigmoid").</summary>
    public static NoiseSchedule Sigmoid(int steps = 1000, double betaStart = 1e-4, double betaEnd = 0.02)
    {
        CheckEnds(steps, betaStart, betaEnd);
        var x = Spaced(steps, -6, 6, v => v);
        return new(ScheduleKind.Sigmoid, Map(x, v => betaStart + (betaEnd - betaStart) / (1 + Math.Exp(-v))));
    }

    /// <summary>sqrt(beta_t) evenly spaced from sqrt(betaStart) to sqrt(betaEnd) (Rombach et al. 2022).</summary>
    public static NoiseSchedule ScaledLinear(int steps = 1000, double betaStart = 0.00085, double betaEnd = 0.012)
    {
        CheckEnds(steps, betaStart, betaEnd);
        return new(ScheduleKind.ScaledLinear, Spaced(steps, Math.Sqrt(betaStart), Math.Sqrt(betaEnd), x => x * x));
    }

    /// <summary>Any schedule: every beta must lie in (0, 1).</summary>
    public static NoiseSchedule FromBetas(IReadOnlyList<double> betas)
    {
        CheckSteps(betas.Count, nameof(betas));
        for (int t = 0; t < betas.Count; t++)
            if (!(betas[t] > 0 && betas[t] < 1))
                throw new ArgumentOutOfRangeException(nameof(betas), betas[t], $"betas[{t}] must lie in (0, 1).");
        return new(null, betas.ToArray());
    }

    /// <summary>
    /// Gathers per-timestep values for a batch and shapes them to broadcast against <paramref name="like"/>:
    /// values[t[b]] becomes a [B, 1, 1, ...] tensor of like's dtype and device. t may be a scalar (same for all).
    /// A <see cref="ScheduleTable"/> is uploaded once per device; any other list is uploaded for this call.
    /// </summary>
    public static Tensor Extract(IReadOnlyList<double> values, Tensor t, Tensor like)
    {
        if (values is ScheduleTable table)
            return table.Gather(t, like);
        var once = new ScheduleTable(values);
        var result = once.Gather(t, like);
        once.OnDevice(like.device, like.dtype).Dispose();
        return result;
    }

    private static void CheckSteps(int steps, string name = "steps")
    {
        if (steps < 1)
            throw new ArgumentOutOfRangeException(name, steps, "A schedule needs at least one step (T >= 1).");
    }

    private static void CheckEnds(int steps, double betaStart, double betaEnd)
    {
        CheckSteps(steps);
        if (!(betaStart > 0 && betaStart < 1))
            throw new ArgumentOutOfRangeException(nameof(betaStart), betaStart, "betaStart must lie in (0, 1).");
        if (!(betaEnd > 0 && betaEnd < 1))
            throw new ArgumentOutOfRangeException(nameof(betaEnd), betaEnd, "betaEnd must lie in (0, 1).");
        if (betaStart > betaEnd)
            throw new ArgumentException($"betaStart ({betaStart}) must not exceed betaEnd ({betaEnd}).", nameof(betaStart));
    }

    /// <summary>steps values evenly spaced from first to last (both included), each passed through map.</summary>
    private static double[] Spaced(int steps, double first, double last, Func<double, double> map) =>
        Enumerable.Range(0, steps).Select(i => map(steps == 1 ? first : first + (last - first) * i / (steps - 1))).ToArray();

    private static double[] Map(double[] values, Func<double, double> f) => values.Select(f).ToArray();
}
