using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The Gaussian diffusion a network is trained on and sampled with, in one object built once from its three choices:
/// the <see cref="NoiseSchedule"/>, what the network outputs (<see cref="PredictionTarget"/>) and the reverse step's
/// fixed variance (<see cref="Ddpm.ReverseVariance"/>). Everything that depends on them lives here, written once
/// (improved-diffusion's GaussianDiffusion; diffusers' scheduler config):
///
/// | member                      | what it is                                           | source                    |
/// |-----------------------------|------------------------------------------------------|---------------------------|
/// | AddNoise                    | a sample of q(x_t given x_0)                         | Ho et al. 2020, eq. 4     |
/// | PosteriorMean / ...Variance | q(x_{t-1} given x_t, x_0)                            | Ho, eqs. 6-7              |
/// | X0FromEps, EpsFromX0, ...   | every conversion between eps, x_0, v and u           | eq. 4; Salimans and Ho 2022; Liu et al. 2023 |
/// | TargetFor                   | what the network should output for (x_0, eps, t)     | Ho eq. 14; Salimans and Ho |
/// | Interpret                   | the network's output read as x_0 and eps, clipped once | Ho eq. 15                |
/// | ReverseMean, ReverseStep    | mean and log variance of p_theta(x_{t-1} given x_t)  | Ho, eqs. 7, 11 and sec. 3.2 |
/// | Loss                        | the training loss on this target                     | Ho eq. 14; Hang et al. 2023 |
///
/// Samplers, guidance and the variational bound take the network's raw output and call <see cref="Interpret"/> once per
/// step, so a v or x_0 network never goes through eps and back.
/// </summary>
public sealed class DiffusionProcess
{
    /// <param name="minSnrGamma">The loss's Min-SNR-gamma weighting (Hang et al. 2023), or null for the plain mean.</param>
    public DiffusionProcess(NoiseSchedule schedule, PredictionTarget target = PredictionTarget.Epsilon,
        ReverseVariance reverseVariance = ReverseVariance.PosteriorVariance, double? minSnrGamma = null)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        if (!Enum.IsDefined(target))
            throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown prediction target.");
        if (target == PredictionTarget.Velocity && !schedule.IsVariancePreserving)
            throw new ArgumentException($"v prediction (Salimans and Ho 2022) needs a variance-preserving schedule; the {schedule.Kind} " +
                "schedule's network predicts the flow velocity u = eps - x_0 (PredictionTarget.FlowVelocity) or x_0.", nameof(target));
        if (target == PredictionTarget.Epsilon && schedule.SignalScales[^1] == 0)
            throw new ArgumentException($"The {schedule.Kind} schedule ends in pure noise (alpha_T = 0), where an eps network cannot " +
                "give x_0 = (x_t - sigma_t eps) / alpha_t; predict x_0 or the flow velocity (Lin et al. 2024, sec. 3.2).", nameof(target));
        Schedule = schedule;
        Target = target;
        ReverseVariance = reverseVariance;
        ReverseVariances = new(schedule.Betas.Select((beta, t) => FixedVariance(schedule, reverseVariance, t)));
        ReverseLogVariances = new(ReverseVariances.Select(v => Math.Log(v)));
        Loss = new DiffusionLoss(this, minSnrGamma);
    }

    public NoiseSchedule Schedule { get; }

    /// <summary>What the network outputs: eps, x_0, v or the flow velocity u.</summary>
    public PredictionTarget Target { get; }

    /// <summary>Which fixed sigma_t^2 the reverse step uses (Ho et al., sec. 3.2).</summary>
    public ReverseVariance ReverseVariance { get; }

    /// <summary>
    /// sigma_t^2 of p_theta(x_{t-1} | x_t), per code timestep. At t = 0, where beta-tilde is 0, both choices take
    /// beta-tilde at t = 1 (as improved-diffusion does): only the decoder L_0 uses it, and it must stay finite.
    /// </summary>
    public ScheduleTable ReverseVariances { get; }

    /// <summary>log sigma_t^2, per code timestep.</summary>
    public ScheduleTable ReverseLogVariances { get; }

    /// <summary>The loss the network trains with on this process (<see cref="DiffusionLoss"/>).</summary>
    public DiffusionLoss Loss { get; }

    /// <summary>The same schedule and target with another reverse variance.</summary>
    public DiffusionProcess WithReverseVariance(ReverseVariance reverseVariance) =>
        reverseVariance == ReverseVariance ? this : new(Schedule, Target, reverseVariance, Loss.MinSnrGamma);

    private static double FixedVariance(NoiseSchedule schedule, ReverseVariance variance, int t)
    {
        if (t == 0 && schedule.Steps > 1)
            return schedule.PosteriorVariance[1];
        return variance switch
        {
            ReverseVariance.PosteriorVariance => schedule.Steps > 1 ? schedule.PosteriorVariance[t] : schedule.Betas[t],
            ReverseVariance.Beta => schedule.Betas[t],
            _ => throw new ArgumentOutOfRangeException(nameof(variance), variance, "Unknown reverse variance."),
        };
    }

    // ---- q(x_t | x_0) and the posterior ----------------------------------------------------------------------------

    /// <summary>x_t = alpha_t x_0 + sigma_t eps, a sample of q(x_t | x_0) (Ho eq. 4: alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t)).</summary>
    public Tensor AddNoise(Tensor x0, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, x0);                                  // [B, 1, 1, 1]
        using var noise = Schedule.NoiseScales.Gather(t, x0);
        return signal * x0 + noise * eps;
    }

    /// <summary>mu-tilde_t = coefX0_t x_0 + coefXt_t x_t, the mean of q(x_{t-1} | x_t, x_0) (Ho eq. 7).</summary>
    public Tensor PosteriorMean(Tensor x0, Tensor xt, Tensor t)
    {
        using var coefX0 = Schedule.PosteriorMeanCoefX0.Gather(t, xt);                           // [B, 1, 1, 1]
        using var coefXt = Schedule.PosteriorMeanCoefXt.Gather(t, xt);
        return coefX0 * x0 + coefXt * xt;
    }

    /// <summary>beta-tilde_t = beta_t (1 - abar_{t-1}) / (1 - abar_t) (Ho eq. 7), broadcastable against like.</summary>
    public Tensor PosteriorVariance(Tensor t, Tensor like) => Schedule.PosteriorVariance.Gather(t, like);

    /// <summary>log beta-tilde_t, with t = 0 (where beta-tilde is 0) clipped to the value at t = 1.</summary>
    public Tensor PosteriorLogVariance(Tensor t, Tensor like) => Schedule.PosteriorLogVarianceClipped.Gather(t, like);

    // ---- eps, x_0, v and u: every conversion, here only ---------------------------------------------------------------
    // All follow from x_t = alpha_t x_0 + sigma_t eps (eq. 4 with alpha_t = sqrt(abar_t), sigma_t = sqrt(1 - abar_t)).

    /// <summary>x_0 = (x_t - sigma_t eps) / alpha_t: eq. 4 solved for x_0 (Ho eq. 15).</summary>
    public Tensor X0FromEps(Tensor xt, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return (xt - noise * eps) / signal;
    }

    /// <summary>eps = (x_t - alpha_t x_0) / sigma_t: eq. 4 solved for eps.</summary>
    public Tensor EpsFromX0(Tensor xt, Tensor x0, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return (xt - signal * x0) / noise;
    }

    /// <summary>The velocity v = alpha_t eps - sigma_t x_0 (Salimans and Ho 2022, sec. 4; variance-preserving schedules).</summary>
    public Tensor Velocity(Tensor x0, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, x0);
        using var noise = Schedule.NoiseScales.Gather(t, x0);
        return signal * eps - noise * x0;
    }

    /// <summary>x_0 = alpha_t x_t - sigma_t v (from eq. 4 and the definition of v, with alpha^2 + sigma^2 = 1).</summary>
    public Tensor X0FromVelocity(Tensor xt, Tensor v, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return signal * xt - noise * v;
    }

    /// <summary>eps = sigma_t x_t + alpha_t v.</summary>
    public Tensor EpsFromVelocity(Tensor xt, Tensor v, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return noise * xt + signal * v;
    }

    /// <summary>
    /// The flow velocity u = eps - x_0 (Liu et al. 2023, eq. 1; Lipman et al. 2023): on the rectified flow's path
    /// x_t = (1 - t) x_0 + t eps it is dx_t / dt, the direction the sample moves in.
    /// </summary>
    public static Tensor FlowVelocity(Tensor x0, Tensor eps) => eps - x0;

    /// <summary>x_0 = (x_t - sigma_t u) / (alpha_t + sigma_t): x_t and u solved for x_0 (x_t - t u on the rectified flow).</summary>
    public Tensor X0FromFlowVelocity(Tensor xt, Tensor u, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return (xt - noise * u) / (signal + noise);
    }

    /// <summary>eps = (x_t + alpha_t u) / (alpha_t + sigma_t) (x_t + (1 - t) u on the rectified flow).</summary>
    public Tensor EpsFromFlowVelocity(Tensor xt, Tensor u, Tensor t)
    {
        using var signal = Schedule.SignalScales.Gather(t, xt);
        using var noise = Schedule.NoiseScales.Gather(t, xt);
        return (xt + signal * u) / (signal + noise);
    }

    /// <summary>What the network should output for x_t made from <paramref name="x0"/> and <paramref name="eps"/> at t.</summary>
    public Tensor TargetFor(Tensor x0, Tensor eps, Tensor t) => Target switch
    {
        PredictionTarget.Epsilon => eps.alias(),
        PredictionTarget.X0 => x0.alias(),
        PredictionTarget.Velocity => Velocity(x0, eps, t),
        PredictionTarget.FlowVelocity => FlowVelocity(x0, eps),
        _ => throw new InvalidOperationException($"Unknown prediction target {Target}."),
    };

    /// <summary>
    /// The network's raw output at x_t read as the clean image and the noise it implies: the one conversion a sampler
    /// or the bound makes per step. With <paramref name="clipX0"/> x_0 is clipped to the data range [-1, 1] and eps is
    /// recomputed from the clipped x_0, so that the pair still satisfies eq. 4 (Ho et al.'s released code clips).
    /// </summary>
    /// <param name="output">What the network returned: eps, x_0 or v, as <see cref="Target"/> says. [B, C, H, W]</param>
    /// <param name="xt">The sample it was given. [B, C, H, W]</param>
    /// <param name="t">Code timesteps [B], or one scalar for the whole batch.</param>
    public Denoised Interpret(Tensor output, Tensor xt, Tensor t, bool clipX0)
    {
        if (!output.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"The network's output is [{string.Join(", ", output.shape)}] but x_t is " +
                $"[{string.Join(", ", xt.shape)}]: a network must output one value per pixel.", nameof(output));
        using var scope = NewDisposeScope();
        var (x0, eps) = Target switch
        {
            PredictionTarget.Epsilon => (X0FromEps(xt, output, t), output.alias()),
            PredictionTarget.X0 => (output.alias(), EpsFromX0(xt, output, t)),
            PredictionTarget.Velocity => (X0FromVelocity(xt, output, t), EpsFromVelocity(xt, output, t)),
            PredictionTarget.FlowVelocity => (X0FromFlowVelocity(xt, output, t), EpsFromFlowVelocity(xt, output, t)),
            _ => throw new InvalidOperationException($"Unknown prediction target {Target}."),
        };
        if (clipX0)
        {
            x0 = x0.clamp(-1, 1);                                                                // [B, C, H, W]
            eps = EpsFromX0(xt, x0, t);                                                          // eps consistent with x0
        }
        return new Denoised(x0.MoveToOuterDisposeScope(), eps.MoveToOuterDisposeScope());
    }

    // ---- the reverse step p_theta(x_{t-1} | x_t) ------------------------------------------------------------------

    /// <summary>
    /// The mean of the learned reverse step p_theta(x_{t-1} | x_t) = N(mu_theta, sigma_t^2 I): the network's output gives
    /// x_0 (<see cref="Interpret"/>, optionally clipped), and mu_theta is the posterior mean at that x_0 (eq. 7). For an
    /// eps network without clipping this equals eq. 11, mu = (x_t - beta_t / sqrt(1 - abar_t) eps) / sqrt(alpha_t).
    /// The DDPM sampler and the variational bound both take their mean from here.
    /// </summary>
    /// <returns>The mean and the predicted x_0. [B, C, H, W] each</returns>
    public (Tensor Mean, Tensor X0) ReverseMean(Tensor output, Tensor xt, Tensor t, bool clipX0)
    {
        using var scope = NewDisposeScope();
        using var denoised = Interpret(output, xt, t, clipX0);
        var mean = PosteriorMean(denoised.X0, xt, t);                                            // [B, C, H, W]
        return (mean.MoveToOuterDisposeScope(), denoised.X0.alias().MoveToOuterDisposeScope());
    }

    /// <summary>The whole reverse step: <see cref="ReverseMean"/> and log sigma_t^2 (<see cref="ReverseLogVariances"/>).</summary>
    /// <returns>The mean [B, C, H, W], log sigma_t^2 [B, 1, 1, 1] and the predicted x_0 [B, C, H, W].</returns>
    public (Tensor Mean, Tensor LogVariance, Tensor X0) ReverseStep(Tensor output, Tensor xt, Tensor t, bool clipX0)
    {
        var (mean, x0) = ReverseMean(output, xt, t, clipX0);
        return (mean, ReverseLogVariances.Gather(t, xt), x0);
    }
}
