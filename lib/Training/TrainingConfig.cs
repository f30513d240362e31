using Diffusion.Ddpm;

namespace Diffusion.Training;

/// <summary>How to train a noise-prediction network. Vary with <c>with { }</c>.</summary>
public sealed record TrainingConfig
{
    /// <summary>Noise schedule family and T (Ho et al. 2020: linear, T = 1000).</summary>
    public ScheduleKind Schedule { get; init; } = ScheduleKind.Linear;
    public int DiffusionSteps { get; init; } = 1000;

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

    /// <summary>Gradients are rescaled so their global L2 norm is at most this (Ho et al.: 1.0).</summary>
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Decay of the exponential moving average of the weights (Ho et al.: 0.9999 over 800k steps; 0.999 suits short runs).</summary>
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Min-SNR-gamma loss weighting (Hang et al. 2023, gamma = 5), or null for the plain L_simple.</summary>
    public double? MinSnrGamma { get; init; } = null;

    /// <summary>For class-conditional models: probability of replacing a label by the null class (Ho and Salimans 2022: 0.1 to 0.2).</summary>
    public double LabelDropout { get; init; } = 0.1;

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
        Require(GradientClip > 0, nameof(GradientClip), "Gradient clip must be positive.");
        Require(EmaDecay >= 0 && EmaDecay < 1, nameof(EmaDecay), "EMA decay must lie in [0, 1).");
        Require(MinSnrGamma is null or > 0, nameof(MinSnrGamma), "Min-SNR gamma must be positive.");
        Require(LabelDropout >= 0 && LabelDropout < 1, nameof(LabelDropout), "Label dropout must lie in [0, 1).");
    }
}
