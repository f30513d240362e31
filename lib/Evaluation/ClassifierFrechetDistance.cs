using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// A Frechet distance between image sets measured in the penultimate features of our own classifier
/// (<see cref="ImageClassifier"/>, e.g. the one trained on Fashion-MNIST), in the manner of FID (Heusel et al. 2017). It is NOT the Inception FID quoted in
/// papers: the features, their dimension (128) and hence the numbers differ, and only distances measured with the same
/// classifier and the same number of images compare. Small sets inflate it: measure the floor (two real sets of the same
/// size) with <see cref="To"/> on real images and read every other number against it.
/// </summary>
public sealed class ClassifierFrechetDistance
{
    private readonly ImageClassifier _classifier;

    /// <param name="referenceImages">The real images to compare against, e.g. the test split, in [-1, 1]. [N, C, H, W]</param>
    public ClassifierFrechetDistance(ImageClassifier classifier, Tensor referenceImages)
    {
        _classifier = classifier;
        using var features = ClassifierInference.Features(classifier, referenceImages);          // [N, 128]
        Reference = FeatureStatistics.From(features);
    }

    public FeatureStatistics Reference { get; }

    /// <summary>The distance from <paramref name="images"/> (in [-1, 1], [M, C, H, W]) to the reference set.</summary>
    public double To(Tensor images)
    {
        using var features = ClassifierInference.Features(_classifier, images);                  // [M, 128]
        return FrechetDistance.Between(FeatureStatistics.From(features), Reference);
    }
}
