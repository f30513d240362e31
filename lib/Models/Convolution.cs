using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// 2-D convolutions for the UNet, made so that their gradients are right.
///
/// Measured with TorchSharp 0.107.0 / libtorch 2.10 on an AVX-512 CPU: for a k x k convolution (k &gt; 1) whose output
/// channel count is not a multiple of 16, the gradient with respect to the *input* is wrong (up to 45% off, sometimes
/// NaN), while the forward pass and the weight gradient are right. 1 x 1 convolutions and multiples of 16 are exact.
/// Every DDPM UNet ends in such a layer (to 1 or 3 image channels), so without care the whole network trains on wrong
/// gradients. <see cref="Create"/> returns libtorch's convolution where it is exact, and otherwise a
/// <see cref="ChannelPaddedConv2d"/>: the same convolution computed with the output channels padded up to a multiple of
/// 16 and the extra channels dropped (they receive exactly zero gradient, so they never change). tests/ConvolutionTests.cs
/// and the float64 gradient check in tests/UNetTests.cs guard this.
/// </summary>
public static class Convolution
{
    public const int SafeChannelMultiple = 16;

    public static nn.Module<Tensor, Tensor> Create(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0) =>
        kernelSize == 1 || outChannels % SafeChannelMultiple == 0
            ? nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding)
            : new ChannelPaddedConv2d(inChannels, outChannels, kernelSize, stride, padding);
}

/// <summary>A convolution to few channels computed through one to a multiple of 16; see <see cref="Convolution"/> for why.</summary>
public sealed class ChannelPaddedConv2d : nn.Module<Tensor, Tensor>
{
    private readonly int _outChannels;
    private readonly Conv2d conv;

    public ChannelPaddedConv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) : base(nameof(ChannelPaddedConv2d))
    {
        _outChannels = outChannels;
        int padded = (outChannels + Convolution.SafeChannelMultiple - 1) / Convolution.SafeChannelMultiple * Convolution.SafeChannelMultiple;
        conv = nn.Conv2d(inChannels, padded, kernelSize, stride: stride, padding: padding);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => conv.forward(x)[.., ..(int)_outChannels];    // [B, out, H', W']
}
