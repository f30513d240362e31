using static TorchSharp.torch;

namespace Diffusion.Applications;

/// <summary>Masks for inpainting: 1 where the image is known, 0 where it is to be filled. Each is [1, 1, H, W] (float32).</summary>
public static class Masks
{
    /// <summary>The left half known, the right half to fill.</summary>
    public static Tensor LeftHalf(long height, long width)
    {
        var mask = zeros(1, 1, height, width);                                                 // [1, 1, H, W]
        mask[.., .., .., ..(int)(width / 2)] = 1;
        return mask;
    }

    /// <summary>Everything known except a centred square of side <paramref name="size"/>.</summary>
    public static Tensor CentreSquare(long height, long width, long size)
    {
        if (size < 1 || size > Math.Min(height, width))
            throw new ArgumentOutOfRangeException(nameof(size), size, $"The square must fit the {height} x {width} image.");
        var mask = ones(1, 1, height, width);                                                  // [1, 1, H, W]
        long top = (height - size) / 2, left = (width - size) / 2;
        mask[.., .., (int)top..(int)(top + size), (int)left..(int)(left + size)] = 0;
        return mask;
    }

    /// <summary>Each pixel known with probability <paramref name="knownFraction"/>, independently.</summary>
    public static Tensor RandomPixels(long height, long width, double knownFraction, Generator generator)
    {
        if (!(knownFraction > 0 && knownFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(knownFraction), knownFraction, "Must lie in (0, 1).");
        using var u = rand([1, 1, height, width], generator: generator);                      // [1, 1, H, W]
        return (u < knownFraction).to_type(ScalarType.Float32);
    }
}
