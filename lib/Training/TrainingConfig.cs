using Diffusion.Ddpm;

namespace Diffusion.Training;

/// <summary>How to train a noise-prediction network. Vary with <c>with { }</c>.</summary>
public sealed record TrainingConfig
{
    /// <summary>Noise schedule family and T (Ho et al. 2020: linear, T = 1000).</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Linear;
    public int DiffusionSteps { get; init; } = 1000;

    /// <summary>How each image's timestep is drawn: uniformly (Ho et al.), or logit-normal in the middle (Esser et al. 2024).</summary>
    public TimestepDistribution Timesteps { get; init; } = TimestepDistribution.Uniform;

    /// <summary>What the network predicts; the loss compares it with the matching target.</summary>
    public PredictionTarget Target { get; init; } = PredictionTarget.Epsilon;

    /// <summary>Images per optimisation step (Ho et al.: 128).</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Peak learning rate of AdamW (Ho et al.: 2e-4 with Adam).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Decoupled weight decay, passed explicitly (TorchSharp's AdamW defaults to 0, PyTorch's to 0.01).</summary>
    public double WeightDecay { get; init; } = 0.0;

    /// <summary>The learning rate rises linearly from 0 over this many steps (Ho et al.: 5000).</summary>
    public int WarmupSteps { get; init; } = 500;

    /// <summary>What the learning rate does after warmup: stay at the peak (Ho et al.), or fall to 0 along a half cosine.</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Constant;

    /// <summary>The step the whole run ends at; a cosine decay reaches 0 there. 0 = not known (only with a constant rate).</summary>
    public long TotalSteps { get; init; } = 0;

    /// <summary>Gradients are rescaled so their global L2 norm is at most this (Ho et al.: 1.0).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Decay of the exponential moving average of the weights (Ho et al.: 0.9999 over 800k steps; 0.999 suits short runs).</summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Min-SNR-gamma loss weighting (Hang et al. 2023, gamma = 5), or null for the plain L_simple.</summary>
    public double? MinSnrGamma { get; init; } = null;

    /// <summary>For class-conditional models: probability of replacing a label by the null class (Ho and Salimans 2022: 0.1 to 0.2).</summary>
    public double LabelDropout { get; init; } = 0.1;

    /// <summary>
    /// The learning rate at an optimisation step (counted from 0): linear warmup from 0 to <see cref="LearningRate"/> over
    /// <see cref="WarmupSteps"/>, then constant, or for <see cref="LearningRateDecay.Cosine"/> (Loshchilov and Hutter 2017)
    ///   lr = peak * (1 + cos(pi * p)) / 2,   p = (step - warmup) / (TotalSteps - warmup), from 1 down to 0 at TotalSteps.
    /// </summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps)
            return LearningRate * (step + 1.0) / WarmupSteps;
        if (Decay == LearningRateDecay.Constant)
            return LearningRate;
        return CosineDecay.At(LearningRate, (step - WarmupSteps) / (double)(TotalSteps - WarmupSteps));
    }

    /// <summary>The diffusion process this configuration trains on: its schedule, target and Min-SNR weighting.</summary>
    public DiffusionProcess Process() =>
        new(NoiseSchedule.Create(Schedule, DiffusionSteps), Target, ReverseVariance.PosteriorVariance, MinSnrGamma);

    /// <summary>The recipe in one line, for a model's description: "eps, linear T=1000, lr 2e-4 (500 warmup, constant), batch 128, EMA 0.999".</summary>
    public string Recipe()
    {
        var invariant = System.Globalization.CultureInfo.InvariantCulture;
        string minSnr = MinSnrGamma is double gamma ? string.Create(invariant, $", Min-SNR-{gamma:G3}") : "";
        string weightDecay = WeightDecay > 0 ? string.Create(invariant, $", weight decay {WeightDecay:G3}") : "";
        string timesteps = Timesteps == TimestepDistribution.Uniform ? "" : ", logit-normal t";
        return string.Create(invariant,
            $"{TargetName(Target)} prediction, {Schedule.ToString().ToLowerInvariant()} schedule T={DiffusionSteps}{timesteps}{minSnr}, " +
            $"AdamW lr {LearningRate:G3} ({WarmupSteps} warmup, {Decay.ToString().ToLowerInvariant()}){weightDecay}, " +
            $"batch {BatchSize}, EMA {EmaDecay:G4}, clip {GradientClip:G3}");
    }

    private static string TargetName(PredictionTarget target) => target switch
    {
        PredictionTarget.Epsilon => "eps",
        PredictionTarget.X0 => "x0",
        PredictionTarget.Velocity => "v",
        PredictionTarget.FlowVelocity => "flow velocity",
        _ => target.ToString(),
    };

    /// <summary>Throws ArgumentException naming the first setting that cannot work.</summary>
    public void Validate()
    {
        static void Require(bool ok, string name, string message)
        {
            if (!ok) throw new ArgumentException(message, name);
        }
        Require(DiffusionSteps >= 1, nameof(DiffusionSteps), "Need at least one diffusion step.");
        Require(BatchSize >= 1, nameof(BatchSize), "Batch size must be at least 1.");
        Require(LearningRate > 0, nameof(LearningRate), "Learning rate must be positive.");
        Require(WeightDecay >= 0, nameof(WeightDecay), "Weight decay must be >= 0.");
        Require(WarmupSteps >= 0, nameof(WarmupSteps), "Warmup steps must be >= 0.");
        Require(Enum.IsDefined(Decay), nameof(Decay), $"Unknown learning-rate decay {Decay}.");
        Require(Enum.IsDefined(Timesteps), nameof(Timesteps), $"Unknown timestep distribution {Timesteps}.");
        Require(TotalSteps >= 0, nameof(TotalSteps), "Total steps must be >= 0.");
        Require(Decay == LearningRateDecay.Constant || TotalSteps > WarmupSteps, nameof(TotalSteps),
            $"A {Decay} decay needs TotalSteps greater than WarmupSteps ({WarmupSteps}), got {TotalSteps}.");
        Require(GradientClip > 0, nameof(GradientClip), "Gradient clip must be positive.");
        Require(EmaDecay >= 0 && EmaDecay < 1, nameof(EmaDecay), "EMA decay must lie in [0, 1).");
        Require(MinSnrGamma is null or > 0, nameof(MinSnrGamma), "Min-SNR gamma must be positive.");
        Require(LabelDropout >= 0 && LabelDropout < 1, nameof(LabelDropout), "Label dropout must lie in [0, 1).");
        Process();                                                  // schedule, target and weighting must fit together
    }
}
