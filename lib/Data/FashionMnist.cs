using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>
/// Fashion-MNIST held as two tensors: every image in one uint8 tensor [N, 1, 28, 28] (0..255) and every label
/// in one int64 tensor [N]. Batches are drawn by indexing a random permutation, so nothing is copied per image.
/// </summary>
public sealed class FashionMnist : IDisposable
{
    /// <summary>Class names in label order (0..9), as published with the dataset.</summary>
    public static readonly IReadOnlyList<string> ClassNames =
    [
        "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
    ];

    public const int ImageSize = 28;

    private FashionMnist(Tensor images, Tensor labels, DatasetSplit split)
    {
        Images = images;
        Labels = labels;
        Split = split;
    }

    /// <summary>All images, uint8 in 0..255. [N, 1, 28, 28]</summary>
    public Tensor Images { get; }

    /// <summary>All labels, int64 in 0..9. [N]</summary>
    public Tensor Labels { get; }

    public DatasetSplit Split { get; }

    public int Count => (int)Labels.shape[0];

    /// <summary>
    /// Loads one split, validating every file (magic, shape, length, SHA-256). Files come from the Debian package
    /// when installed, else from <paramref name="dataFolder"/>, downloading them there if needed.
    /// </summary>
    /// <param name="maxCount">Keep only the first this many examples (quick mode); null keeps all.</param>
    public static FashionMnist Load(DatasetSplit split, string dataFolder, int? maxCount = null, Action<string>? log = null)
    {
        var imageSpec = FashionMnistFiles.Images(split);
        var labelSpec = FashionMnistFiles.Labels(split);
        byte[] pixels = IdxFile.ReadValidated(FashionMnistFiles.Locate(imageSpec, dataFolder, log), imageSpec);
        byte[] labelBytes = IdxFile.ReadValidated(FashionMnistFiles.Locate(labelSpec, dataFolder, log), labelSpec);

        int total = labelSpec.Dimensions[0];
        int count = Math.Min(maxCount ?? total, total);
        if (count < 1)
            throw new ArgumentOutOfRangeException(nameof(maxCount), maxCount, "Must keep at least one example.");

        var images = tensor(pixels.AsSpan(0, count * ImageSize * ImageSize).ToArray(),
            [count, 1, ImageSize, ImageSize], ScalarType.Byte);                               // [N, 1, 28, 28]
        var labels = tensor(labelBytes.AsSpan(0, count).ToArray(), [count], ScalarType.Byte)
            .to_type(ScalarType.Int64);                                                        // [N]
        return new FashionMnist(images, labels, split);
    }

    /// <summary>Maps uint8 pixels 0..255 to floats in [-1, 1], the data range DDPM works in (Ho et al. 2020, sec. 3.3).</summary>
    public static Tensor ToModelRange(Tensor pixels) => pixels.to_type(ScalarType.Float32) / 127.5f - 1f;

    /// <summary>
    /// Splits a fresh random permutation of all indices into batches. The indices are plain arrays so that the
    /// caller's loop body, inside its own dispose scope, is where tensors are made (see <see cref="Batch"/>).
    /// </summary>
    public IEnumerable<long[]> ShuffledBatches(int batchSize, Generator generator, bool dropLast = true)
    {
        if (batchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        long[] order;
        using (var permutation = randperm(Count, generator: generator))
            order = permutation.data<long>().ToArray();
        for (int start = 0; start < order.Length; start += batchSize)
        {
            int size = Math.Min(batchSize, order.Length - start);
            if (size < batchSize && dropLast)
                yield break;
            yield return order[start..(start + size)];
        }
    }

    /// <summary>Gathers one batch: images as floats in [-1, 1] [B, 1, 28, 28] and labels [B], on <paramref name="device"/>.</summary>
    public (Tensor Images, Tensor Labels) Batch(long[] indices, Device device)
    {
        using var index = tensor(indices);                                                     // [B]
        using var pixels = Images.index_select(0, index);                                      // [B, 1, 28, 28] uint8
        return (ToModelRange(pixels).to(device), Labels.index_select(0, index).to(device));
    }

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
