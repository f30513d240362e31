namespace Diffusion.Evaluation;

/// <summary>What one optimisation step of <see cref="ClassifierTraining.Train"/> did.</summary>
/// <param name="Step">Steps completed so far (1 after the first).</param>
/// <param name="TotalSteps">Steps the whole run will take.</param>
/// <param name="Epoch">Pass over the data this step belongs to (0-based).</param>
/// <param name="Loss">Mean cross-entropy of this batch.</param>
/// <param name="Accuracy">Fraction of this batch classified correctly (in training mode, so with dropout).</param>
/// <param name="LearningRate">The learning rate used for this step.</param>
public sealed record ClassifierStep(long Step, long TotalSteps, int Epoch, double Loss, double Accuracy, double LearningRate);
