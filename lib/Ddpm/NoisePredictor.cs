using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// A model of the noise: given x_t [B, C, H, W] and code timesteps t [B], returns its estimate of eps (same shape as x_t).
/// Samplers, guidance and the variational bound all take one; a network trained to output x_0 or v becomes one through
/// <see cref="ForwardProcess.AsNoisePredictor"/> (Training.TrainedModel does that for you).
/// </summary>
public delegate Tensor NoisePredictor(Tensor xt, Tensor t);
