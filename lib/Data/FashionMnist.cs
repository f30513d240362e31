using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul and Vollgraf 2017): 28 x 28 greyscale images of ten kinds of clothing, 60,000 for
/// training and 10,000 for testing. <see cref="Load"/> reads one split into an <see cref="ImageDataset"/>
/// of uint8 images [N, 1, 28, 28] and int64 labels [N].
/// </summary>
public static class FashionMnist
{
    /// <summary>Class names in label order (0..9), as published with the dataset.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    /// <summary>Height and width of every image, in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>The shape of one image, [C, H, W] = [1, 28, 28] (a fresh array each call).</summary>
    public static long[] ImageShape => [1, ImageSize, ImageSize];

    /// <summary>
    /// Loads one split, validating every file (magic, shape, length, SHA-256). Files come from the Debian package
    /// when installed, else from <paramref name="dataFolder"/>, downloading them there if needed.
    /// </summary>
    /// <param name="maxCount">Keep only the first this many examples (quick mode); null keeps all.</param>
    /// <returns>A dataset named "Fashion-MNIST train" or "Fashion-MNIST test"; the caller disposes it.</returns>
    public static ImageDataset Load(DatasetSplit split, string dataFolder, int? maxCount = null, Action<string>? log = null)
    {
        var imageSpec = FashionMnistFiles.Images(split);
        var labelSpec = FashionMnistFiles.Labels(split);
        byte[] pixels = FashionMnistFiles.Read(FashionMnistFiles.Locate(imageSpec, dataFolder, log), imageSpec);
        byte[] labelBytes = FashionMnistFiles.Read(FashionMnistFiles.Locate(labelSpec, dataFolder, log), labelSpec);

        int total = labelSpec.Dimensions[0];
        int count = Math.Min(maxCount ?? total, total);
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "Must keep at least one example.");

        var images = tensor(pixels.AsSpan(0, count * ImageSize * ImageSize).ToArray(),
            [count, 1, ImageSize, ImageSize], ScalarType.Byte);                               // [N, 1, 28, 28]
        using var labelBytesTensor = tensor(labelBytes.AsSpan(0, count).ToArray(), [count], ScalarType.Byte);   // [N] uint8
        var labels = labelBytesTensor.to_type(ScalarType.Int64);                                // [N]
        string name = split switch
        {
            DatasetSplit.Train => "Fashion-MNIST train",
            DatasetSplit.Test => "Fashion-MNIST test",
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, null),
        };
        return new ImageDataset(images, labels, ClassNames, name);
    }
}
