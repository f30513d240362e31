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
/// gradients. <see cref="Create"/> returns libtorch's convolution where it is exact and an im2col convolution
/// (unfold, then one matrix product: the same arithmetic, other kernels) otherwise. Both have parameters named
/// weight [out, in, k, k] and bias [out], so checkpoints do not depend on the choice.
/// </summary>
public static class Convolution
{
    public static nn.Module<Tensor, Tensor> Create(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0) =>
        kernelSize == 1 || outChannels % 16 == 0
            ? nn.Conv2d(inChannels, outChannels, kernelSize, stride: stride, padding: padding)
            : new Im2ColConv2d(inChannels, outChannels, kernelSize, stride, padding);
}

/// <summary>A convolution computed as im2col + matrix product; see <see cref="Convolution"/> for why it exists.</summary>
public sealed class Im2ColConv2d : nn.Module<Tensor, Tensor>
{
    private readonly int _kernelSize;
    private readonly int _stride;
    private readonly int _padding;
    private readonly Parameter weight;
    private readonly Parameter bias;

    public Im2ColConv2d(int inChannels, int outChannels, int kernelSize, int stride, int padding) : base(nameof(Im2ColConv2d))
    {
        _kernelSize = kernelSize;
        _stride = stride;
        _padding = padding;
        // Same initialisation as nn.Conv2d: uniform in +-1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)).
        double bound = 1 / Math.Sqrt(inChannels * kernelSize * kernelSize);
        weight = nn.Parameter((rand(outChannels, inChannels, kernelSize, kernelSize) * 2 - 1) * bound);
        bias = nn.Parameter((rand(outChannels) * 2 - 1) * bound);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        long batch = x.shape[0];
        long height = (x.shape[2] + 2 * _padding - _kernelSize) / _stride + 1;
        long width = (x.shape[3] + 2 * _padding - _kernelSize) / _stride + 1;
        var columns = nn.functional.unfold(x, _kernelSize, padding: _padding, stride: _stride);    // [B, in k k, H' W']
        var y = weight.view(weight.shape[0], -1).matmul(columns);                                   // [B, out, H' W']
        return (y + bias.view(1, -1, 1)).view(batch, -1, height, width);                           // [B, out, H', W']
    }
}
