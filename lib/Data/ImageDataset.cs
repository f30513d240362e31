using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Data;

/// <summary>
/// A labelled image dataset held as two tensors: every image in one uint8 tensor [N, C, H, W] (0..255) and every label
/// in one int64 tensor [N] (0..ClassCount-1). Batches are drawn by indexing a random permutation, so nothing is copied
/// per image. The dataset owns both tensors and disposes them.
/// </summary>
public sealed class ImageDataset : IDisposable
{
    /// <summary>Takes ownership of <paramref name="images"/> and <paramref name="labels"/> after validating them.</summary>
    /// <param name="images">uint8 pixels in 0..255. [N, C, H, W]</param>
    /// <param name="labels">int64 classes, each in 0 .. classNames.Count - 1. [N]</param>
    /// <param name="classNames">One name per class, in label order.</param>
    /// <param name="name">What the data is, for messages and captions (e.g. "Fashion-MNIST train").</param>
    /// <exception cref="ArgumentException">A tensor has the wrong rank, type or length, there is no image or no class, or a label is out of range.</exception>
    public ImageDataset(Tensor images, Tensor labels, IReadOnlyList<string> classNames, string name)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(name);
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
            throw new ArgumentException(
                $"Images must be a 4-D uint8 tensor [N, C, H, W] in 0..255, not {images.dtype} [{string.Join(", ", images.shape)}].", nameof(images));
        if (images.shape[0] < 1)
            throw new ArgumentException("A dataset needs at least one image, got none.", nameof(images));
        if (labels.dim() != 1 || labels.dtype != ScalarType.Int64)
            throw new ArgumentException(
                $"Labels must be a 1-D int64 tensor [N], not {labels.dtype} [{string.Join(", ", labels.shape)}].", nameof(labels));
        if (labels.shape[0] != images.shape[0])
            throw new ArgumentException($"Need one label per image: {images.shape[0]} images, {labels.shape[0]} labels.", nameof(labels));
        if (classNames.Count < 1)
            throw new ArgumentException("A dataset needs at least one class name.", nameof(classNames));
        long lowest = labels.min().item<long>(), highest = labels.max().item<long>();
        if (lowest < 0 || highest >= classNames.Count)
            throw new ArgumentException(
                $"Labels must lie in 0..{classNames.Count - 1} ({classNames.Count} class names), found {lowest}..{highest}.", nameof(labels));

        Images = images;
        Labels = labels;
        ClassNames = classNames;
        Name = name;
    }

    /// <summary>All images, uint8 in 0..255. [N, C, H, W]</summary>
    public Tensor Images { get; }

    /// <summary>All labels, int64 in 0..ClassCount-1. [N]</summary>
    public Tensor Labels { get; }

    /// <summary>Class names in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>What the data is, e.g. "Fashion-MNIST train".</summary>
    public string Name { get; }

    /// <summary>N, the number of images.</summary>
    public int Count => (int)Labels.shape[0];

    public int ClassCount => ClassNames.Count;

    public int Channels => (int)Images.shape[1];

    public int Height => (int)Images.shape[2];

    public int Width => (int)Images.shape[3];

    /// <summary>The shape of one image, [C, H, W] (a fresh array each call).</summary>
    public long[] ImageShape => [Channels, Height, Width];

    /// <summary>Maps uint8 pixels 0..255 to float32 in [-1, 1], the data range DDPM works in (Ho et al. 2020, sec. 3.3).</summary>
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

    /// <summary>Gathers one batch: images as floats in [-1, 1] [B, C, H, W] and labels [B], on <paramref name="device"/>.</summary>
    public (Tensor Images, Tensor Labels) Batch(long[] indices, Device device)
    {
        using var index = tensor(indices);                                                     // [B]
        using var pixels = Images.index_select(0, index);                                      // [B, C, H, W] uint8
        return (ToModelRange(pixels).to(device), Labels.index_select(0, index).to(device));
    }

    public override string ToString() => $"{Name}: {Count} images [{string.Join(", ", ImageShape)}], {ClassCount} classes";

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}
