namespace Diffusion.Storage;

/// <summary>What a <see cref="CheckedFile"/> holds; a reader asking for one kind rejects the others.</summary>
public enum CheckedFileKind
{
    /// <summary>Everything needed to resume training exactly.</summary>
    TrainingCheckpoint = 1,
    /// <summary>Only what sampling needs: the (EMA) weights and the configuration.</summary>
    TrainedModel = 2,
    /// <summary>
    /// An image classifier for judging samples (Evaluation.ImageClassifier): a JSON header with its image shape and class
    /// count, its description, then its weights.
    /// </summary>
    Classifier = 3,
}
