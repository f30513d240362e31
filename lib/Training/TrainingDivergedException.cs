namespace Diffusion.Training;

/// <summary>Raised when the loss stops being a finite number; the model is left as it was before the bad step.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
