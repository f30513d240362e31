using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// What a trained <see cref="ImageClassifier"/> says about a set of generated images: how the samples spread over
/// its K classes (an unconditional model trained on balanced data, such as Fashion-MNIST's ten classes, should give
/// about 1/K each), and for a class-conditional model how often a sample is recognised as the class it was asked for.
/// </summary>
public static class SampleEvaluation
{
    /// <summary>Fraction of <paramref name="images"/> [N, C, H, W] (in [-1, 1]) the classifier assigns to each class; sums to 1. [K]</summary>
    public static double[] ClassFrequencies(ImageClassifier classifier, Tensor images)
    {
        using var scope = NewDisposeScope();
        var predicted = ClassifierInference.Predict(classifier, images).cpu();                              // [N]
        var counts = predicted.bincount(null, classifier.ClassCount).to_type(ScalarType.Float64);          // [K]
        return (counts / predicted.shape[0]).data<double>().ToArray();
    }

    /// <summary>
    /// For each class c: of the images generated for c (<paramref name="intendedLabels"/> [N] == c), the fraction the
    /// classifier also labels c, for c in 0..K-1. NaN for a class no image was generated for. Intended labels must lie in 0..K-1.
    /// </summary>
    public static double[] PerClassAccuracy(ImageClassifier classifier, Tensor images, Tensor intendedLabels)
    {
        if (intendedLabels.dim() != 1 || intendedLabels.shape[0] != images.shape[0])
            throw new ArgumentException($"Need one intended label per image: {images.shape[0]} images, labels [{string.Join(", ", intendedLabels.shape)}].",
                nameof(intendedLabels));
        using var scope = NewDisposeScope();
        var intended = intendedLabels.to_type(ScalarType.Int64).cpu();                                     // [N]
        if (intended.numel() > 0 && (intended.min().item<long>() < 0 || intended.max().item<long>() >= classifier.ClassCount))
            throw new ArgumentException(
                $"Intended labels must lie in 0..{classifier.ClassCount - 1} (the classifier's classes), found " +
                $"{intended.min().item<long>()}..{intended.max().item<long>()}.", nameof(intendedLabels));
        var predicted = ClassifierInference.Predict(classifier, images).cpu();                              // [N]
        var weights = predicted.eq(intended).to_type(ScalarType.Float64);                                  // [N]
        var right = intended.bincount(weights, classifier.ClassCount).data<double>().ToArray();            // [K]
        var asked = intended.bincount(null, classifier.ClassCount).data<long>().ToArray();                 // [K]
        return right.Select((r, c) => asked[c] == 0 ? double.NaN : r / asked[c]).ToArray();
    }

    /// <summary>
    /// How much the images of each class vary, relative to real images of that class: the mean over classes of
    /// D_c(images) / D_c(real), with D_c the mean pairwise distance in the classifier's features
    /// (<see cref="SampleDiversity"/>). 1 = as varied as real garments; a model that draws one image per class scores 0.
    /// Classes with fewer than two images on either side are left out.
    /// </summary>
    /// <param name="images">Generated images in [-1, 1]. [N, C, H, W]</param>
    /// <param name="labels">The class each image was generated for. [N]</param>
    /// <param name="realImages">Real images in [-1, 1], e.g. the test split. [M, C, H, W]</param>
    /// <param name="realLabels">Their classes. [M]</param>
    public static double SpreadRelativeToReal(ImageClassifier classifier, Tensor images, Tensor labels, Tensor realImages, Tensor realLabels) =>
        SpreadRelativeToReal(WithinClassSpread(classifier, images, labels), WithinClassSpread(classifier, realImages, realLabels));

    /// <summary>The mean over classes of generated[c] / real[c], both from <see cref="WithinClassSpread"/> (measure the real side once).</summary>
    public static double SpreadRelativeToReal(double[] generated, double[] real)
    {
        var ratios = generated.Zip(real, (g, r) => g / r).Where(double.IsFinite).ToList();
        if (ratios.Count == 0)
            throw new ArgumentException("No class has two or more images in both sets: the spread is undefined.", nameof(generated));
        return ratios.Average();
    }

    /// <summary>D_c of <paramref name="images"/> [N, C, H, W] (in [-1, 1]) in the classifier's features, per class c; NaN below two images.</summary>
    public static double[] WithinClassSpread(ImageClassifier classifier, Tensor images, Tensor labels)
    {
        using var features = ClassifierInference.Features(classifier, images);                               // [N, 128]
        return SampleDiversity.WithinClassDistance(features, labels, classifier.ClassCount);
    }
}
