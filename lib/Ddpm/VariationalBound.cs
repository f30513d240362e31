using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The variational bound on the negative log-likelihood (Ho et al. 2020, eq. 5; Sohl-Dickstein et al. 2015):
///
///   -log p(x_0) &lt;= L = L_T + sum_{t&gt;1} L_{t-1} + L_0
///   L_T     = KL(q(x_T | x_0) || N(0, I))                         the prior term, no parameters
///   L_{t-1} = KL(q(x_{t-1} | x_t, x_0) || p(x_{t-1} | x_t))       one Gaussian KL per step
///   L_0     = -log p(x_0 | x_1)                                   the discretised decoder (eq. 13)
///
/// In code timesteps (t = paper t - 1) the KL terms are at t = 1..T-1 and the decoder at t = 0. Every term is returned
/// per sample in nats summed over all dimensions; divide by D ln 2 for bits per dimension.
///
/// How L_simple relates: with the reverse mean written through a noise prediction (eq. 11), each KL term equals
/// w_t ||eps - eps_theta(x_t, t)||^2 with w_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)) (eq. 12), see
/// <see cref="EpsilonWeights"/>. L_simple (eq. 14, <see cref="DiffusionLoss.Simple"/>) drops w_t: a reweighted bound that
/// puts relatively more weight on the noisier steps, and trains better.
/// </summary>
public sealed class VariationalBound
{
    private readonly DiffusionProcess _process;

    /// <summary>The bound of a network that predicts eps, with one of the fixed variances of Ho et al. (sec. 3.2).</summary>
    public VariationalBound(NoiseSchedule schedule, ReverseVariance reverseVariance = ReverseVariance.PosteriorVariance)
        : this(new DiffusionProcess(schedule, reverseVariance: reverseVariance))
    {
    }

    /// <summary>The bound of a network trained on <paramref name="process"/> (its target, its reverse variance).</summary>
    public VariationalBound(DiffusionProcess process) : this(process, process.ReverseLogVariances)
    {
    }

    private VariationalBound(DiffusionProcess process, ScheduleTable reverseLogVariances)
    {
        _process = process;
        var schedule = process.Schedule;
        ReverseLogVariances = reverseLogVariances;
        // eq. 12: w_t = beta_t^2 / (2 sigma_t^2 alpha_t (1 - abar_t)), with 1 - abar_t the noise variance of x_t;
        // undefined for the decoder step t = 0.
        EpsilonWeights = new(schedule.Betas.Select((beta, t) => t == 0 ? double.NaN
            : beta * beta / (2 * Math.Exp(reverseLogVariances[t]) * schedule.Alphas[t] * schedule.NoiseVariances[t])));
    }

    /// <summary>
    /// The bound of an eps network with reverse variances sigma_t^2 of your choosing, one per code timestep (lesson 03
    /// uses the exact reverse variance of Gaussian data to show the bound becoming tight).
    /// </summary>
    public static VariationalBound WithReverseVariances(NoiseSchedule schedule, IReadOnlyList<double> variances)
    {
        if (variances.Count != schedule.Steps)
            throw new ArgumentException($"{variances.Count} variances for a schedule of {schedule.Steps} steps.", nameof(variances));
        if (variances.Any(v => !(v > 0) || double.IsInfinity(v)))
            throw new ArgumentOutOfRangeException(nameof(variances), "Every reverse variance must be positive and finite.");
        return new VariationalBound(new DiffusionProcess(schedule), new ScheduleTable(variances.Select(v => Math.Log(v))));
    }

    public NoiseSchedule Schedule => _process.Schedule;

    /// <summary>log sigma_t^2 of the reverse step, per code timestep.</summary>
    public ScheduleTable ReverseLogVariances { get; }

    /// <summary>w_t of eq. 12, so that L_{t-1} = w_t ||eps - eps_theta||^2 (NaN at t = 0, the decoder).</summary>
    public ScheduleTable EpsilonWeights { get; }

    /// <summary>
    /// The learned reverse step p(x_{t-1} | x_t) = N(mu_theta, sigma_t^2), its mean from <see cref="DiffusionProcess.ReverseMean"/>,
    /// with this bound's sigma_t^2: the network's output gives x_0 (eq. 15), optionally clipped to the data range
    /// [-1, 1], and mu_theta is the posterior mean at that x_0 (eq. 7). For an eps network without clipping this equals
    /// eq. 11, mu = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t).
    /// </summary>
    /// <param name="output">The network's output at x_t: eps, x_0 or v, as the process's target says. [B, C, H, W]</param>
    public (Tensor Mean, Tensor LogVariance) ReverseStep(Tensor xt, Tensor output, Tensor t, bool clipX0)
    {
        var (mean, x0) = _process.ReverseMean(output, xt, t, clipX0);
        x0.Dispose();
        return (mean, ReverseLogVariances.Gather(t, xt));                                      // [B, C, H, W], [B, 1, 1, 1]
    }

    /// <summary>L_T = KL(q(x_T | x_0) || N(0, I)) per sample, in nats. [B]</summary>
    public Tensor PriorTerm(Tensor x0)
    {
        using var scope = NewDisposeScope();
        var last = tensor(Schedule.Steps - 1);
        var mean = Schedule.SignalScales.Gather(last, x0) * x0;                               // sqrt(abar_T) x_0
        var logVariance = full_like(x0, Math.Log(Schedule.NoiseVariances[^1]));              // log(1 - abar_T), in double
        var kl = Gaussian.Kl(mean, logVariance, zeros_like(x0), zeros_like(x0));
        return kl.flatten(1).sum(1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The term of the bound at code timestep t for x_t made from x_0: the KL L_{t-1} for t &gt;= 1 and the decoder
    /// L_0 for t = 0, per sample in nats. [B]
    /// </summary>
    /// <param name="output">The network's output at x_t: eps, x_0 or v, as the process's target says. [B, C, H, W]</param>
    public Tensor Term(Tensor x0, Tensor xt, Tensor output, Tensor t, bool clipX0 = true)
    {
        using var scope = NewDisposeScope();
        var (modelMean, modelLogVariance) = ReverseStep(xt, output, t, clipX0);
        var trueMean = _process.PosteriorMean(x0, xt, t);
        var trueLogVariance = _process.PosteriorLogVariance(t, xt);
        var kl = Gaussian.Kl(trueMean, trueLogVariance.expand_as(xt), modelMean, modelLogVariance.expand_as(xt)).flatten(1).sum(1);
        var decoder = -Gaussian.DiscretizedLogLikelihood(x0, modelMean, 0.5 * modelLogVariance.expand_as(xt)).flatten(1).sum(1);
        var isDecoder = (t.dim() == 0 ? t.expand(x0.shape[0]) : t).to(x0.device).eq(0);
        return where(isDecoder, decoder, kl).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The whole bound for a batch of 8-bit images x_0 in [-1, 1]: every one of the T terms (one model call each,
    /// with fresh noise from <paramref name="generator"/>) plus the prior term.
    /// </summary>
    public BoundEstimate Evaluate(ModelOutput model, Tensor x0, Generator generator, bool clipX0 = true, IProgress<int>? progress = null)
    {
        using var noGrad = no_grad();                        // else total.add_(term) would keep every step's autograd graph alive
        long batch = x0.shape[0];
        double toBitsPerDim = 1.0 / (x0[0].numel() * Math.Log(2));
        var termMeans = new double[Schedule.Steps];
        var total = zeros(batch, dtype: ScalarType.Float64, device: x0.device);                   // [B] nats
        for (int step = Schedule.Steps - 1; step >= 0; step--)
        {
            using var scope = NewDisposeScope();
            var t = full(batch, step, dtype: ScalarType.Int64, device: x0.device);              // [B]
            var eps = randn(x0.shape, dtype: x0.dtype, device: x0.device, generator: generator);
            var xt = _process.AddNoise(x0, eps, t);
            var term = Term(x0, xt, model(xt, t), t, clipX0).to_type(ScalarType.Float64);       // [B]
            total.add_(term);
            termMeans[step] = term.mean().item<double>() * toBitsPerDim;
            progress?.Report(Schedule.Steps - step);
        }
        using var prior = PriorTerm(x0).to_type(ScalarType.Float64);
        total.add_(prior);
        return new BoundEstimate(total.mul_(toBitsPerDim), termMeans, prior.mean().item<double>() * toBitsPerDim);
    }
}
