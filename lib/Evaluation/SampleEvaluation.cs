using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// What a trained <see cref="FashionClassifier"/> says about a set of generated images: how the samples spread over
/// the ten classes (an unconditional model should give about 10% each, as the balanced data does), and for a
/// class-conditional model how often a sample is recognised as the class it was asked for.
/// </summary>
public static class SampleEvaluation
{
    /// <summary>Fraction of <paramref name="images"/> [N, 1, 28, 28] (in [-1, 1]) the classifier assigns to each class; sums to 1.</summary>
    public static double[] ClassFrequencies(FashionClassifier classifier, Tensor images)
    {
        using var scope = NewDisposeScope();
        var predicted = ClassifierTraining.Predict(classifier, images).cpu();                              // [N]
        var counts = predicted.bincount(null, FashionClassifier.ClassCount).to_type(ScalarType.Float64); // [10]
        return (counts / predicted.shape[0]).data<double>().ToArray();
    }

    /// <summary>
    /// For each class c: of the images generated for c (<paramref name="intendedLabels"/> [N] == c), the fraction the
    /// classifier also labels c. NaN for a class no image was generated for.
    /// </summary>
    public static double[] PerClassAccuracy(FashionClassifier classifier, Tensor images, Tensor intendedLabels)
    {
        if (intendedLabels.dim() != 1 || intendedLabels.shape[0] != images.shape[0])
            throw new ArgumentException($"Need one intended label per image: {images.shape[0]} images, labels [{string.Join(", ", intendedLabels.shape)}].",
                nameof(intendedLabels));
        using var scope = NewDisposeScope();
        var intended = intendedLabels.to_type(ScalarType.Int64).cpu();                                     // [N]
        var predicted = ClassifierTraining.Predict(classifier, images).cpu();                              // [N]
        var weights = predicted.eq(intended).to_type(ScalarType.Float64);                                  // [N]
        var right = intended.bincount(weights, FashionClassifier.ClassCount).data<double>().ToArray();   // [10]
        var asked = intended.bincount(null, FashionClassifier.ClassCount).data<long>().ToArray();        // [10]
        return right.Select((r, c) => asked[c] == 0 ? double.NaN : r / asked[c]).ToArray();
    }
}
