using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Diffusion.Models;

/// <summary>
/// Turns timesteps into the vector that conditions every residual block: the fixed sinusoidal embedding, then a
/// two-layer MLP that the network learns (Ho et al. 2020, appendix B). [B] -> [B, outputDim]
/// </summary>
public sealed class TimeEmbedding : nn.Module<Tensor, Tensor>
{
    private readonly int _sinusoidalDim;
    private readonly Linear hidden;
    private readonly Linear output;

    public TimeEmbedding(int sinusoidalDim, int outputDim) : base(nameof(TimeEmbedding))
    {
        _sinusoidalDim = sinusoidalDim;
        hidden = nn.Linear(sinusoidalDim, outputDim);
        output = nn.Linear(outputDim, outputDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor t)
    {
        var e = SinusoidalEmbedding.Compute(t, _sinusoidalDim, dtype: hidden.weight!.dtype);                  // [B, sinusoidalDim]
        return output.forward(nn.functional.silu(hidden.forward(e)));      // [B, outputDim]
    }
}
