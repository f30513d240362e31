using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>A class-conditional noise predictor: eps(x_t, t, y) [B, C, H, W], where y [B] may be the model's null class ("no label").</summary>
public delegate Tensor ConditionalNoisePredictor(Tensor xt, Tensor t, Tensor labels);
