using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// A residual block conditioned on the embedding vector (Ho et al. 2020, appendix B; He et al. 2016):
///
///   h = conv1(SiLU(GroupNorm(x)))
///   h = GroupNorm(h) * (1 + scale) + shift     where (scale, shift) = Linear(SiLU(embedding))   [scale-shift]
///     or GroupNorm(h + Linear(SiLU(embedding)))                                                   [add]
///   h = conv2(Dropout(SiLU(h)))
///   out = skip(x) + h                          skip is a 1x1 convolution when the channel count changes
///
/// Submodule fields are named without an underscore: TorchSharp uses field names as checkpoint keys.
/// </summary>
public sealed class ResidualBlock : nn.Module<Tensor, Tensor, Tensor>
{
    private readonly bool _scaleShift;
    private readonly GroupNorm norm1;
    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly Linear embedding;
    private readonly GroupNorm norm2;
    private readonly Dropout dropout;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> skip;

    public ResidualBlock(int inChannels, int outChannels, int embeddingDim, int groups, double dropout, bool scaleShift)
        : base(nameof(ResidualBlock))
    {
        _scaleShift = scaleShift;
        norm1 = Normalization.Group(groups, inChannels);
        conv1 = Convolution.Create(inChannels, outChannels, 3, padding: 1);
        embedding = nn.Linear(embeddingDim, scaleShift ? 2 * outChannels : outChannels);
        norm2 = Normalization.Group(groups, outChannels);
        this.dropout = nn.Dropout(dropout);
        conv2 = Convolution.Create(outChannels, outChannels, 3, padding: 1);
        skip = inChannels == outChannels ? nn.Identity() : Convolution.Create(inChannels, outChannels, 1);
        RegisterComponents();
    }

    /// <param name="x">Features. [B, inChannels, H, W]</param>
    /// <param name="e">The time (and class) embedding. [B, embeddingDim]</param>
    /// <returns>[B, outChannels, H, W]</returns>
    public override Tensor forward(Tensor x, Tensor e)
    {
        var h = conv1.forward(nn.functional.silu(norm1.forward(x)));                     // [B, out, H, W]
        var condition = embedding.forward(nn.functional.silu(e))[.., .., TensorIndex.None, TensorIndex.None];   // [B, out or 2 out, 1, 1]
        if (_scaleShift)
        {
            var parts = condition.chunk(2, dim: 1);                                      // 2 x [B, out, 1, 1]
            h = norm2.forward(h) * (1 + parts[0]) + parts[1];
        }
        else
        {
            h = norm2.forward(h + condition);
        }
        h = conv2.forward(dropout.forward(nn.functional.silu(h)));                        // [B, out, H, W]
        return skip.forward(x) + h;
    }
}
