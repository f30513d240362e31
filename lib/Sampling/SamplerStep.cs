using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>What one denoising step returns: the less noisy sample and the clean image the model currently believes in.</summary>
/// <param name="Previous">x at the next (lower) timestep. [B, C, H, W]</param>
/// <param name="PredictedX0">The model's estimate of x_0 at this step. [B, C, H, W]</param>
public sealed record SamplerStep(Tensor Previous, Tensor PredictedX0);
