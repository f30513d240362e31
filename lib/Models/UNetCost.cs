using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Floating-point operations of one UNet forward pass for one image (2 per multiply-add), counted from the weights'
/// shapes and the resolution each stage runs at:
///
///   convolution   2 Cin Cout k^2 H_out W_out      (a channel-padded one as computed, with its padded outputs)
///   linear        2 in out                        (the time and class embeddings: once per image)
///   attention     4 (H W)^2 C                     (the two products Q K^T and A V)
///
/// Normalisation, activations and additions (a few operations per element) are left out. A training step costs
/// about three forward passes: the backward pass computes two gradients, for the inputs and for the weights.
/// </summary>
public static class UNetCost
{
    public static double ForwardFlopsPerImage(UNet model, long[] imageShape)
    {
        var pixels = new Dictionary<string, long>();                                       // stage -> H_out W_out
        using (no_grad())
        using (NewDisposeScope())
        {
            var device = model.parameters().First().device;
            var x = zeros([1, .. imageShape], device: device);                               // [1, C, H, W]
            var t = zeros([1], dtype: ScalarType.Int64, device: device);                     // [1]
            model.forward(x, t, labels: null, observe: (stage, output) =>
                pixels[stage] = output.dim() == 4 ? output.shape[2] * output.shape[3] : 1);
        }

        double flops = 0;
        foreach (var (name, module) in model.named_modules())
        {
            long hw = pixels.GetValueOrDefault(StageOf(name), 1);
            flops += module switch
            {
                Conv2d conv => 2.0 * conv.weight!.numel() * hw,                                // Cout (Cin/groups) k^2 per output pixel
                Linear linear => 2.0 * linear.weight!.numel(),
                SelfAttention attention => 4.0 * hw * hw * attention.Channels,
                _ => 0,
            };
        }
        return flops;
    }

    /// <summary>"down.3.residual.conv1" -> "down.3", "output.conv" -> "output": the names <see cref="UNet.Stages"/> uses.</summary>
    private static string StageOf(string moduleName)
    {
        string[] parts = moduleName.Split('.');
        return parts[0] is "down" or "up" && parts.Length > 1 ? $"{parts[0]}.{parts[1]}" : parts[0];
    }
}
