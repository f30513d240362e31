using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// A network's output read both ways (<see cref="DiffusionProcess.Interpret"/>): the clean image it implies and the noise
/// it implies, a pair that satisfies x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps (Ho et al. 2020, eq. 4).
/// </summary>
/// <param name="X0">The predicted clean image. [B, C, H, W]</param>
/// <param name="Eps">The predicted noise. [B, C, H, W]</param>
public sealed record Denoised(Tensor X0, Tensor Eps) : IDisposable
{
    public void Dispose()
    {
        X0.Dispose();
        Eps.Dispose();
    }
}
