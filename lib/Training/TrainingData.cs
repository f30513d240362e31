using Diffusion.Data;

namespace Diffusion.Training;

/// <summary>
/// What a model was trained on, stored in its file so that it can be sampled without knowing where it came from: the
/// dataset's name, the shape of one image and the class names (a conditional model's labels index them).
/// </summary>
/// <param name="ImageShape">[C, H, W] of one image.</param>
public sealed record TrainingData(string Name, long[] ImageShape, IReadOnlyList<string> ClassNames)
{
    /// <summary>The description of <paramref name="data"/>.</summary>
    public static TrainingData Of(ImageDataset data) => new(data.Name, data.ImageShape, data.ClassNames);

    /// <summary>Fashion-MNIST's training images, named as <see cref="FashionMnist.Load"/> names them: [1, 28, 28], ten classes.</summary>
    public static TrainingData FashionMnistImages => new("Fashion-MNIST train", FashionMnist.ImageShape, FashionMnist.ClassNames);

    public int ClassCount => ClassNames.Count;

    /// <summary>
    /// For a model file written before files recorded their data: every model the course trained then was trained on
    /// Fashion-MNIST, the only dataset it had, which is the one single-channel dataset these files can come from.
    /// </summary>
    /// <exception cref="InvalidDataException">The configuration does not fit Fashion-MNIST (not one channel).</exception>
    public static TrainingData InferredFrom(int imageChannels, string path)
    {
        if (imageChannels != FashionMnist.ImageShape[0])
            throw new InvalidDataException($"{path} does not say what images it was trained on, and its {imageChannels} input " +
                "channels rule out Fashion-MNIST, the only dataset of the files written before models recorded it.");
        return FashionMnistImages;
    }

    public override string ToString() =>
        $"{Name}: images [{string.Join(", ", ImageShape)}], {ClassCount} classes";

    public bool Equals(TrainingData? other) => other is not null && Name == other.Name
        && ImageShape.SequenceEqual(other.ImageShape) && ClassNames.SequenceEqual(other.ClassNames);

    public override int GetHashCode() => HashCode.Combine(Name, ImageShape.Length, ClassNames.Count);
}
