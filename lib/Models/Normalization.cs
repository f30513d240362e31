using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// GroupNorm (Wu and He 2018) made safely. TorchSharp 0.107.0's <c>nn.GroupNorm</c> allocates its affine weight and
/// bias without initialising them: they hold whatever was in memory, often NaN or 1e+37, and a UNet built from them
/// outputs NaN. PyTorch starts them at weight = 1, bias = 0 (the identity after normalisation); so does this.
/// </summary>
public static class Normalization
{
    public static GroupNorm Group(int groups, int channels)
    {
        var norm = nn.GroupNorm(groups, channels);
        using (no_grad())
        {
            norm.weight!.fill_(1);
            norm.bias!.zero_();
        }
        return norm;
    }
}
