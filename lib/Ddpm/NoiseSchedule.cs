using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// A noise schedule beta_1..beta_T and every quantity derived from it, computed once in double precision and exposed
/// read-only (<see cref="ScheduleTable"/>: each table is uploaded to a device once, not on every call).
///
/// Every schedule says how much of the image and how much noise x_t holds: x_t = alpha_t x_0 + sigma_t eps
/// (<see cref="SignalScales"/>, <see cref="NoiseScales"/>; Kingma et al. 2021's notation). The DDPM families are
/// variance preserving: alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t). The rectified flow is not: alpha_t = 1 - t,
/// sigma_t = t (<see cref="RectifiedFlow"/>). Either way step t of the Markov chain multiplies x by sqrt(alpha_t) and adds
/// noise of variance beta_t, so AlphaBars[t] = alpha_t^2 always, and beta_t = 1 - alpha_t only for the DDPM families.
///
/// Indexing: arrays are indexed by the code timestep t = 0..T-1, which is the paper's t + 1 (code t = 0 is the
/// paper's first step, t = 1). This is the convention of diffusers and improved-diffusion.
///
/// | code                        | paper                                   | source                  |
/// |-----------------------------|-----------------------------------------|-------------------------|
/// | Betas[t]                    | beta_t, the variance step t adds        | Ho et al. 2020, eq. 2   |
/// | Alphas[t]                   | alpha_t = 1 - beta_t (variance preserving) | Ho, sec. 2           |
/// | AlphaBars[t]                | abar_t = prod_{s&lt;=t} alpha_s             | Ho, eq. 4               |
/// | AlphaBarsPrevious[t]        | abar_{t-1}, with abar_0 = 1             | Ho, eq. 7               |
/// | SqrtAlphaBars, SqrtOneMinusAlphaBars | the signal and noise weights of x_t | Ho, eq. 4             |
/// | SqrtAlphas, SqrtBetas       | the weights of one Markov step           | Ho, eq. 2               |
/// | SignalScales, NoiseScales   | alpha_t and sigma_t of x_t = alpha_t x_0 + sigma_t eps | Kingma et al. 2021, eq. 1 |
/// | NoiseVariances              | sigma_t^2 (= 1 - abar_t when variance preserving) | Kingma et al., eq. 1 |
/// | LogOneMinusAlphaBars        | log(1 - abar_t), the log variance of q(x_t given x_0) (variance preserving) | Ho, eq. 4 |
/// | Snr[t]                      | alpha_t^2 / sigma_t^2 (= abar_t / (1 - abar_t)) | Kingma et al. 2021 |
/// | PosteriorVariance[t]        | beta-tilde_t = beta_t sigma_{t-1}^2 / sigma_t^2 | Ho, eq. 7; Kingma et al., eq. 29 |
/// | PosteriorMeanCoefX0, ...Xt  | the two weights of mu-tilde_t           | Ho, eq. 7               |
/// </summary>
public sealed class NoiseSchedule
{
    /// <summary>A variance-preserving schedule from its betas: alpha_t = 1 - beta_t, sigma_t^2 = 1 - abar_t.</summary>
    private NoiseSchedule(ScheduleKind? kind, double[] betas)
        : this(kind, betas, Map(betas, beta => 1 - beta), noiseVariances: null)
    {
    }

    /// <param name="noiseVariances">sigma_t^2, or null for a variance-preserving schedule (sigma_t^2 = 1 - abar_t).</param>
    private NoiseSchedule(ScheduleKind? kind, double[] betas, double[] alphas, double[]? noiseVariances)
    {
        Kind = kind;
        int steps = betas.Length;
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
        IsVariancePreserving = noiseVariances is null;
        double[] sigma2 = noiseVariances ?? Map(alphaBars, abar => 1 - abar);                    // sigma_t^2
        double[] sigma2Previous = [0, .. sigma2[..^1]];                                          // sigma_{t-1}^2, 0 before step 1
        SignalScales = SqrtAlphaBars;                                                            // alpha_t = sqrt(abar_t)
        NoiseVariances = new(sigma2);
        NoiseScales = IsVariancePreserving ? SqrtOneMinusAlphaBars : new(Map(sigma2, Math.Sqrt));
        Snr = new(alphaBars.Select((abar, t) => abar / sigma2[t]));
        LogSnr = new(Snr.Select(snr => Math.Log(snr)));

        // Posterior q(x_{t-1} | x_t, x_0) = N(coefX0 * x0 + coefXt * xt, betaTilde)   (Ho eq. 6-7; Kingma et al. eq. 29-31,
        // where 1 - abar becomes sigma^2: the same three lines hold for any alpha_t, sigma_t)
        var posteriorVariance = new double[steps];
        var coefX0 = new double[steps];
        var coefXt = new double[steps];
        for (int t = 0; t < steps; t++)
        {
            posteriorVariance[t] = betas[t] * sigma2Previous[t] / sigma2[t];
            coefX0[t] = betas[t] * Math.Sqrt(alphaBarsPrevious[t]) / sigma2[t];
            coefXt[t] = sigma2Previous[t] * Math.Sqrt(alphas[t]) / sigma2[t];
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

    /// <summary>True for the DDPM families (sigma_t^2 = 1 - abar_t), false for the rectified flow.</summary>
    public bool IsVariancePreserving { get; }

    /// <summary>alpha_t, the weight of x_0 in x_t (sqrt(abar_t); 1 - t for the rectified flow). The same table as SqrtAlphaBars.</summary>
    public ScheduleTable SignalScales { get; }

    /// <summary>sigma_t, the weight of eps in x_t (sqrt(1 - abar_t) when variance preserving; t for the rectified flow).</summary>
    public ScheduleTable NoiseScales { get; }

    /// <summary>sigma_t^2, the variance of q(x_t given x_0).</summary>
    public ScheduleTable NoiseVariances { get; }

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
        ScheduleKind.RectifiedFlow => RectifiedFlow(steps),
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

    /// <summary>
    /// The straight path of flow matching, x_t = (1 - t) x_0 + t eps (Liu et al. 2023, eq. 1; Lipman et al. 2023's
    /// optimal-transport path with sigma_min = 0), at the times t_k = (k + 1) / T of the code timesteps k = 0 .. T-1: from
    /// 1/T (almost clean) to 1 (pure noise: the signal-to-noise ratio reaches 0, as Lin et al. 2024 ask). alpha_t = 1 - t
    /// and sigma_t = t do not satisfy alpha^2 + sigma^2 = 1: the variance of x_t dips in the middle.
    /// The Markov steps follow: sqrt(alpha_k) = alpha_{t_k} / alpha_{t_(k-1)}, beta_k = sigma_{t_k}^2 - alpha_k sigma_{t_(k-1)}^2.
    /// </summary>
    public static NoiseSchedule RectifiedFlow(int steps = 1000)
    {
        CheckSteps(steps);
        double[] times = FlowTimes(steps);                                                       // t_k = (k + 1) / T
        double[] alphaBars = Map(times, t => (1 - t) * (1 - t));                                 // alpha_t^2
        double[] sigma2 = Map(times, t => t * t);                                                // sigma_t^2
        var alphas = new double[steps];
        var betas = new double[steps];
        for (int k = 0; k < steps; k++)
        {
            double alphaBarPrevious = k == 0 ? 1 : alphaBars[k - 1], sigma2Previous = k == 0 ? 0 : sigma2[k - 1];
            alphas[k] = alphaBars[k] / alphaBarPrevious;                                         // the scale step k applies, squared
            betas[k] = sigma2[k] - alphas[k] * sigma2Previous;                                   // the variance step k adds
        }
        return new(ScheduleKind.RectifiedFlow, betas, alphas, sigma2);
    }

    /// <summary>t_k = (k + 1) / T, the continuous time of code timestep k on the rectified flow's path.</summary>
    public static double[] FlowTimes(int steps) => Enumerable.Range(1, steps).Select(k => (double)k / steps).ToArray();

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
