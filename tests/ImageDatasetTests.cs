using Diffusion.Data;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ImageDatasetTests
{
    private static readonly string[] TwoClasses = ["a", "b"];

    [Fact]
    public void Shape_members_come_from_the_images()
    {
        using var data = new ImageDataset(zeros([5, 3, 16, 12], ScalarType.Byte), tensor(new long[] { 0, 1, 1, 0, 1 }), TwoClasses, "tiny");
        Assert.Equal(5, data.Count);
        Assert.Equal(2, data.ClassCount);
        Assert.Equal((3, 16, 12), (data.Channels, data.Height, data.Width));
        Assert.Equal([3L, 16, 12], data.ImageShape);
        Assert.Equal("tiny", data.Name);
        var (images, labels) = data.Batch([4, 0], CPU);
        using (images)
        using (labels)
        {
            Assert.Equal([2L, 3, 16, 12], images.shape);
            Assert.Equal(-1f, images.max().item<float>());                     // pixel 0 -> -1
            Assert.Equal([1L, 0], labels.data<long>().ToArray());
        }
    }

    [Fact]
    public void ToModelRange_maps_0_and_255_to_the_ends_of_minus_one_to_one()
    {
        using var pixels = tensor(new byte[] { 0, 255 });
        using var x = ImageDataset.ToModelRange(pixels);
        Assert.Equal(ScalarType.Float32, x.dtype);
        Assert.Equal([-1f, 1f], x.data<float>().ToArray());
    }

    [Fact]
    public void Invalid_tensors_are_rejected_naming_the_problem()
    {
        ArgumentException Reject(Tensor images, Tensor labels, IReadOnlyList<string> names)
        {
            using (images)
            using (labels)
                return Assert.ThrowsAny<ArgumentException>(() => new ImageDataset(images, labels, names, "bad"));
        }
        Assert.Contains("4-D uint8", Reject(zeros([2, 8, 8], ScalarType.Byte), zeros(2, ScalarType.Int64), TwoClasses).Message);
        Assert.Contains("4-D uint8", Reject(zeros([2, 1, 8, 8]), zeros(2, ScalarType.Int64), TwoClasses).Message);
        Assert.Contains("at least one image", Reject(zeros([0, 1, 8, 8], ScalarType.Byte), zeros(0, ScalarType.Int64), TwoClasses).Message);
        Assert.Contains("1-D int64", Reject(zeros([2, 1, 8, 8], ScalarType.Byte), zeros(2, ScalarType.Int32), TwoClasses).Message);
        Assert.Contains("one label per image", Reject(zeros([2, 1, 8, 8], ScalarType.Byte), zeros(3, ScalarType.Int64), TwoClasses).Message);
        Assert.Contains("at least one class name", Reject(zeros([2, 1, 8, 8], ScalarType.Byte), zeros(2, ScalarType.Int64), []).Message);
        Assert.Contains("0..1", Reject(zeros([2, 1, 8, 8], ScalarType.Byte), tensor(new long[] { 0, 2 }), TwoClasses).Message);
        Assert.Contains("0..1", Reject(zeros([2, 1, 8, 8], ScalarType.Byte), tensor(new long[] { -1, 0 }), TwoClasses).Message);
    }
}
