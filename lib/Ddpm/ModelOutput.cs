using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// A trained network as samplers, guidance and the variational bound call it: given x_t [B, C, H, W] and code timesteps
/// t [B], its raw output (same shape as x_t), which is eps, x_0 or v as its <see cref="DiffusionProcess"/>'s target says.
/// Whoever uses the output reads it through <see cref="DiffusionProcess.Interpret"/>, once per step.
/// </summary>
public delegate Tensor ModelOutput(Tensor xt, Tensor t);

/// <summary>A class-conditional network: its raw output at x_t, t and labels y [B], where y may be its null class ("no label").</summary>
public delegate Tensor ConditionalModelOutput(Tensor xt, Tensor t, Tensor labels);
