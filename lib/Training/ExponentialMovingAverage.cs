using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// Keeps shadow weights ema = d ema + (1 - d) w after every step (Ho et al. 2020 sample from them). With warmup the
/// decay starts small, d_n = min(d, (1 + n) / (10 + n)), so early shadows follow the fast-changing weights closely.
/// </summary>
public static class ExponentialMovingAverage
{
    public static double DecayAt(double decay, long step) => Math.Min(decay, (1.0 + step) / (10.0 + step));

    /// <summary>Moves every parameter (and buffer) of <paramref name="shadow"/> towards <paramref name="model"/>'s.</summary>
    public static void Update(nn.Module shadow, nn.Module model, double decay)
    {
        using var noGrad = no_grad();
        foreach (var (target, source) in shadow.parameters().Zip(model.parameters()))
            target.mul_(decay).add_(source, alpha: 1 - decay);
        foreach (var (target, source) in shadow.buffers().Zip(model.buffers()))
            target.copy_(source);
    }

    /// <summary>Makes <paramref name="shadow"/> an exact copy of <paramref name="model"/>.</summary>
    public static void CopyInto(nn.Module shadow, nn.Module model)
    {
        using var noGrad = no_grad();
        foreach (var (target, source) in shadow.parameters().Zip(model.parameters()))
            target.copy_(source);
        foreach (var (target, source) in shadow.buffers().Zip(model.buffers()))
            target.copy_(source);
    }
}
