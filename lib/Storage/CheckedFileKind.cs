namespace Diffusion.Storage;

/// <summary>What a <see cref="CheckedFile"/> holds; a reader asking for one kind rejects the others.</summary>
public enum CheckedFileKind
{
    /// <summary>Everything needed to resume training exactly.</summary>
    TrainingCheckpoint = 1,
    /// <summary>Only what sampling needs: the (EMA) weights and the configuration.</summary>
    TrainedModel = 2,
    /// <summary>A Fashion-MNIST classifier's weights and description, for judging samples (see the Evaluation folder).</summary>
    Classifier = 3,
}
