namespace Diffusion.Training;

/// <summary>
/// How a trained model came to be: its training configuration (schedule, target), how long it trained, in words, and
/// what it was trained on (null only in files written before models recorded it; <see cref="TrainedModel.Load"/> infers it).
/// </summary>
public sealed record TrainedModelInfo(TrainingConfig Training, long Steps, int Epochs, string Description, TrainingData? Data = null);
