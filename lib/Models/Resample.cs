using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>Halves the resolution with a strided 3 x 3 convolution: [B, C, H, W] -> [B, C, ceil(H/2), ceil(W/2)].</summary>
public sealed class Downsample : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv;

    public Downsample(int channels) : base(nameof(Downsample))
    {
        conv = Convolution.Create(channels, channels, 3, stride: 2, padding: 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x);
}

/// <summary>
/// Doubles the resolution, nearest-neighbour then a 3 x 3 convolution. It resizes to the size of the matching skip
/// connection rather than exactly 2x, so odd sizes (7 -> 4 -> 7) work and any image size can be used.
/// </summary>
public sealed class Upsample : nn.Module<Tensor, long[], Tensor>
{
    private readonly nn.Module<Tensor, Tensor> conv;

    public Upsample(int channels) : base(nameof(Upsample))
    {
        conv = Convolution.Create(channels, channels, 3, padding: 1);
        RegisterComponents();
    }

    /// <param name="size">The target [H, W].</param>
    public override Tensor forward(Tensor x, long[] size)
    {
        return conv.forward(nn.functional.interpolate(x, size, mode: InterpolationMode.Nearest));   // [B, C, H, W]
    }
}
