using Diffusion.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>Checks against the published facts of Fashion-MNIST: 10,000 test images, exactly 1,000 per class.</summary>
public class FashionMnistTests
{
    private static readonly string DataFolder = Path.Combine(RepoPaths.Root, "data");

    [Fact]
    public void Test_split_has_the_published_size_and_balance()
    {
        using var data = FashionMnist.Load(DatasetSplit.Test, DataFolder);
        Assert.Equal(10_000, data.Count);
        Assert.Equal([10_000L, 1, 28, 28], data.Images.shape);
        Assert.Equal(FashionMnist.ImageShape, data.ImageShape);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal("Fashion-MNIST test", data.Name);
        Assert.Equal(ScalarType.Byte, data.Images.dtype);
        using var counts = data.Labels.bincount(null);
        Assert.All(counts.data<long>().ToArray(), c => Assert.Equal(1000, c));
        Assert.Equal(0, data.Images.min().item<byte>());
        Assert.Equal(255, data.Images.max().item<byte>());
    }

    [Fact]
    public void MaxCount_keeps_the_first_examples()
    {
        using var all = FashionMnist.Load(DatasetSplit.Test, DataFolder);
        using var few = FashionMnist.Load(DatasetSplit.Test, DataFolder, maxCount: 100);
        Assert.Equal(100, few.Count);
        Assert.True(few.Images.eq(all.Images[..100]).all().item<bool>());
    }

    [Fact]
    public void Shuffled_batches_visit_every_example_once_and_repeat_with_the_seed()
    {
        using var data = FashionMnist.Load(DatasetSplit.Test, DataFolder, maxCount: 1000);
        long[] Order(long seed) => data.ShuffledBatches(64, new Generator((ulong)seed), dropLast: false).SelectMany(b => b).ToArray();

        var first = Order(1);
        Assert.Equal(Enumerable.Range(0, 1000).Select(i => (long)i), first.Order());
        Assert.Equal(first, Order(1));
        Assert.NotEqual(first, Order(2));
        Assert.All(data.ShuffledBatches(64, new Generator(3)), b => Assert.Equal(64, b.Length));   // drops the last 40
    }

    [Fact]
    public void A_batch_maps_pixels_0_and_255_to_minus_one_and_one()
    {
        using var data = FashionMnist.Load(DatasetSplit.Test, DataFolder, maxCount: 10);
        var (images, labels) = data.Batch([3, 7], CPU);
        using (images)
        using (labels)
        {
            Assert.Equal([2L, 1, 28, 28], images.shape);
            Assert.Equal(data.Labels[7].item<long>(), labels[1].item<long>());
            using var pixels = data.Images[7].to_type(ScalarType.Float32);
            using var expected = pixels / 255f * 2f - 1f;
            Assert.True(images[1].allclose(expected, rtol: 0, atol: 1e-6));
            Assert.InRange(images.min().item<float>(), -1f, -0.999f);
        }
    }
}
