using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Multi-head self-attention over the pixels of a feature map, with a residual connection (Ho et al. 2020 use it at
/// 16 x 16; Vaswani et al. 2017). Every pixel attends to every other, so distant parts of the image can agree.
/// Cost grows with (H W)^2, which is why the UNet uses it only at low resolution.
/// </summary>
public sealed class SelfAttention : nn.Module<Tensor, Tensor>
{
    private readonly int _heads;
    private readonly GroupNorm norm;
    private readonly nn.Module<Tensor, Tensor> qkv;
    private readonly nn.Module<Tensor, Tensor> projection;

    public SelfAttention(int channels, int heads, int groups) : base(nameof(SelfAttention))
    {
        _heads = heads;
        Channels = channels;
        norm = Normalization.Group(groups, channels);
        qkv = Convolution.Create(channels, 3 * channels, 1);
        projection = Convolution.Create(channels, channels, 1);
        RegisterComponents();
    }

    /// <summary>C: channels in and out (split over the heads).</summary>
    public int Channels { get; }

    public override Tensor forward(Tensor x)
    {
        long b = x.shape[0], c = x.shape[1], h = x.shape[2], w = x.shape[3];
        var tokens = qkv.forward(norm.forward(x))                                         // [B, 3C, H, W]
            .reshape(b, 3, _heads, c / _heads, h * w)                                      // [B, 3, heads, C/heads, HW]
            .permute(1, 0, 2, 4, 3);                                                       // [3, B, heads, HW, C/heads]
        var attended = nn.functional.scaled_dot_product_attention(tokens[0], tokens[1], tokens[2]);   // [B, heads, HW, C/heads]
        var merged = attended.permute(0, 1, 3, 2).reshape(b, c, h, w);                     // [B, C, H, W]
        return x + projection.forward(merged);
    }
}
