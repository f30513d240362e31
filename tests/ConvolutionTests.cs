using Diffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ConvolutionTests
{
    [Theory]
    [InlineData(16, 1, 1)]
    [InlineData(16, 3, 1)]
    [InlineData(32, 24, 2)]
    public void Padded_convolution_agrees_with_a_float64_reference_forward_and_backward(int inChannels, int outChannels, int stride)
    {
        manual_seed(7);
        using var conv = new ChannelPaddedConv2d(inChannels, outChannels, 3, stride, padding: 1);
        var generator = new Generator(8);
        using var x = randn([4, inChannels, 28, 28], generator: generator).requires_grad_(true);
        using var y = conv.forward(x);
        y.square().mean().backward();

        // The reference convolves with the first outChannels filters of the padded weight.
        var (weight, bias) = (conv.parameters().First()[..outChannels], conv.parameters().Last()[..outChannels]);
        using var x64 = x.detach().to_type(ScalarType.Float64).requires_grad_(true);
        using var y64 = nn.functional.conv2d(x64, weight.detach().to_type(ScalarType.Float64), bias.detach().to_type(ScalarType.Float64),
            strides: [stride, stride], padding: [1, 1]);
        y64.square().mean().backward();

        Assert.Equal(y64.shape, y.shape);
        Assert.True(y.to_type(ScalarType.Float64).allclose(y64, rtol: 1e-5, atol: 1e-6));
        using var inputError = (x.grad!.to_type(ScalarType.Float64) - x64.grad!).abs().max() / x64.grad!.abs().max();
        Assert.True(inputError.item<double>() < 1e-5, $"relative input-gradient error {inputError.item<double>()}");
    }

    [Fact]
    public void The_factory_uses_libtorch_only_where_its_gradients_are_exact()
    {
        Assert.IsType<TorchSharp.Modules.Conv2d>(Convolution.Create(16, 32, 3, padding: 1));
        Assert.IsType<TorchSharp.Modules.Conv2d>(Convolution.Create(16, 3, 1));
        Assert.IsType<ChannelPaddedConv2d>(Convolution.Create(16, 1, 3, padding: 1));
        Assert.IsType<ChannelPaddedConv2d>(Convolution.Create(16, 24, 3, padding: 1));
    }
}
