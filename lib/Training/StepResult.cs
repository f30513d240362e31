namespace Diffusion.Training;

/// <summary>What one optimisation step did.</summary>
/// <param name="Step">Steps completed so far (1 after the first).</param>
/// <param name="Loss">The (weighted) MSE of this batch.</param>
/// <param name="LearningRate">The learning rate used, after warmup.</param>
/// <param name="GradientNorm">Global L2 norm of the gradients before clipping.</param>
/// <param name="Epoch">Pass over the data this step belongs to (0-based).</param>
public sealed record StepResult(long Step, double Loss, double LearningRate, double GradientNorm, int Epoch);
