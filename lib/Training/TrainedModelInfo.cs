namespace Diffusion.Training;

/// <summary>How a trained model came to be: its training configuration (schedule, target), how long it trained, and in words.</summary>
public sealed record TrainedModelInfo(TrainingConfig Training, long Steps, int Epochs, string Description);
