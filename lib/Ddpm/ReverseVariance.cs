namespace Diffusion.Ddpm;

/// <summary>
/// The fixed variance sigma_t^2 of the learned reverse step p(x_{t-1} | x_t) (Ho et al. 2020, sec. 3.2). Both are
/// optimal in a limit: beta-tilde when x_0 is a single point, beta when x_0 is N(0, I).
/// </summary>
public enum ReverseVariance
{
    /// <summary>sigma_t^2 = beta-tilde_t, the posterior variance ("fixed_small" in diffusers).</summary>
    PosteriorVariance,
    /// <summary>sigma_t^2 = beta_t ("fixed_large"); at t = 0 beta-tilde_1 is used so the decoder stays sharp, as in improved-diffusion.</summary>
    Beta,
}
