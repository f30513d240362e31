namespace Diffusion.Training;

/// <summary>What the learning rate does after warmup (<see cref="TrainingConfig.LearningRateAt"/>).</summary>
public enum LearningRateDecay
{
    /// <summary>Stays at the peak (Ho et al. 2020).</summary>
    Constant,
    /// <summary>Falls along a half cosine to 0 at the last step (Loshchilov and Hutter 2017): smaller steps at the end, less noise in the weights.</summary>
    Cosine,
}
