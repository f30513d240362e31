using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// L_simple = E ||eps - eps_theta(x_t, t)||^2 (Ho et al. 2020, eq. 14): the variational bound with the weights w_t of
/// eq. 12 dropped (see <see cref="VariationalBound"/>), averaged over elements. The loss DDPM trains with.
/// </summary>
public static class SimpleLoss
{
    public static Tensor Compute(Tensor epsPrediction, Tensor eps) => nn.functional.mse_loss(epsPrediction, eps);
}
