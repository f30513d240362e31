namespace Diffusion.Sampling;

/// <summary>How a few-step sampler spreads its visits over the T trained timesteps.</summary>
public enum Spacing
{
    /// <summary>Equal strides in t: 980, 960, .., 0 for 50 of 1000 (Song et al. 2021; diffusers' "leading"). Starts a stride below T - 1.</summary>
    Even,

    /// <summary>
    /// Equal strides ending at T - 1: 999, 979, .., 19 for 50 of 1000 (Lin et al. 2024, table 2; diffusers' "trailing").
    /// The first step starts from pure noise where the model was trained on it; the last one goes from t = 19 to x_0.
    /// </summary>
    Trailing,

    /// <summary>Equal strides in log-SNR from t = T-1 to t = 0 (Lu et al. 2022's recommendation for small images).</summary>
    UniformLogSnr,
}
