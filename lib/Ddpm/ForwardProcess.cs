using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The forward (noising) process q of DDPM as lessons 01-03 teach it: one Markov step (eq. 2), all steps at once (eq. 4)
/// and eq. 4 solved for x_0 or eps. A view of a <see cref="DiffusionProcess"/>, which owns these formulas; only the Markov
/// step, which nothing but the lessons uses, is written here. All methods take a batch [B, ...] and per-sample code
/// timesteps t [B] (or one scalar t for the whole batch), see <see cref="NoiseSchedule"/>. The caller supplies the noise
/// eps, so that every result is reproducible from a seeded generator.
/// </summary>
public sealed class ForwardProcess
{
    private readonly DiffusionProcess _process;

    public ForwardProcess(NoiseSchedule schedule) : this(new DiffusionProcess(schedule))
    {
    }

    public ForwardProcess(DiffusionProcess process) => _process = process;

    public NoiseSchedule Schedule => _process.Schedule;

    /// <summary>One Markov step: x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps, a sample of q(x_t | x_{t-1}) (Ho eq. 2).</summary>
    public Tensor Step(Tensor xPrevious, Tensor eps, Tensor t)
    {
        using var sqrtAlpha = Schedule.SqrtAlphas.Gather(t, xPrevious);                     // [B, 1, 1, 1]
        using var sqrtBeta = Schedule.SqrtBetas.Gather(t, xPrevious);
        return sqrtAlpha * xPrevious + sqrtBeta * eps;
    }

    /// <summary>All steps at once: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, a sample of q(x_t | x_0) (Ho eq. 4).</summary>
    public Tensor AddNoise(Tensor x0, Tensor eps, Tensor t) => _process.AddNoise(x0, eps, t);

    /// <summary>x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t): eq. 4 solved for x_0 (Ho eq. 15).</summary>
    public Tensor X0FromEps(Tensor xt, Tensor eps, Tensor t) => _process.X0FromEps(xt, eps, t);

    /// <summary>eps = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t): eq. 4 solved for eps.</summary>
    public Tensor EpsFromX0(Tensor xt, Tensor x0, Tensor t) => _process.EpsFromX0(xt, x0, t);

    /// <summary>The velocity v = sqrt(abar_t) eps - sqrt(1 - abar_t) x_0 (Salimans and Ho 2022, sec. 4).</summary>
    public Tensor Velocity(Tensor x0, Tensor eps, Tensor t) => _process.Velocity(x0, eps, t);
}
