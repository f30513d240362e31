using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The forward (noising) process q of DDPM and the rearrangements of its closed form. All methods take a batch
/// [B, ...] and per-sample code timesteps t [B] (or one scalar t for the whole batch), see <see cref="NoiseSchedule"/>.
/// The caller supplies the noise eps, so that every result is reproducible from a seeded generator.
/// </summary>
public sealed class ForwardProcess(NoiseSchedule schedule)
{
    public NoiseSchedule Schedule { get; } = schedule;

    /// <summary>One Markov step: x_t = sqrt(alpha_t) x_{t-1} + sqrt(beta_t) eps, a sample of q(x_t | x_{t-1}) (Ho eq. 2).</summary>
    public Tensor Step(Tensor xPrevious, Tensor eps, Tensor t)
    {
        using var sqrtAlpha = Schedule.SqrtAlphas.Gather(t, xPrevious);                     // [B, 1, 1, 1]
        using var sqrtBeta = Schedule.SqrtBetas.Gather(t, xPrevious);
        return sqrtAlpha * xPrevious + sqrtBeta * eps;
    }

    /// <summary>All steps at once: x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps, a sample of q(x_t | x_0) (Ho eq. 4).</summary>
    public Tensor AddNoise(Tensor x0, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, x0);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, x0);
        return signal * x0 + noise * eps;
    }

    /// <summary>x_0 = (x_t - sqrt(1 - abar_t) eps) / sqrt(abar_t): eq. 4 solved for x_0 (Ho eq. 15).</summary>
    public Tensor X0FromEps(Tensor xt, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, xt);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, xt);
        return (xt - noise * eps) / signal;
    }

    /// <summary>eps = (x_t - sqrt(abar_t) x_0) / sqrt(1 - abar_t): eq. 4 solved for eps.</summary>
    public Tensor EpsFromX0(Tensor xt, Tensor x0, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, xt);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, xt);
        return (xt - signal * x0) / noise;
    }

    /// <summary>The velocity v = sqrt(abar_t) eps - sqrt(1 - abar_t) x_0 (Salimans and Ho 2022, sec. 4).</summary>
    public Tensor Velocity(Tensor x0, Tensor eps, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, x0);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, x0);
        return signal * eps - noise * x0;
    }

    /// <summary>x_0 = sqrt(abar_t) x_t - sqrt(1 - abar_t) v (from eq. 4 and the definition of v).</summary>
    public Tensor X0FromVelocity(Tensor xt, Tensor v, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, xt);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, xt);
        return signal * xt - noise * v;
    }

    /// <summary>eps = sqrt(1 - abar_t) x_t + sqrt(abar_t) v.</summary>
    public Tensor EpsFromVelocity(Tensor xt, Tensor v, Tensor t)
    {
        using var signal = Schedule.SqrtAlphaBars.Gather(t, xt);
        using var noise = Schedule.SqrtOneMinusAlphaBars.Gather(t, xt);
        return noise * xt + signal * v;
    }

    /// <summary>Converts a network output of the given kind to the noise eps it implies.</summary>
    public Tensor EpsFromPrediction(PredictionTarget target, Tensor prediction, Tensor xt, Tensor t) => target switch
    {
        PredictionTarget.Epsilon => prediction.alias(),
        PredictionTarget.X0 => EpsFromX0(xt, prediction, t),
        PredictionTarget.Velocity => EpsFromVelocity(xt, prediction, t),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown prediction target."),
    };

    /// <summary>
    /// A network that outputs <paramref name="target"/> (eps, x_0 or v) seen as the noise predictor that samplers, guidance
    /// and the bound work with: its output converted to eps at every call.
    /// </summary>
    public NoisePredictor AsNoisePredictor(PredictionTarget target, NoisePredictor network) => target == PredictionTarget.Epsilon
        ? network
        : (xt, t) =>
        {
            using var output = network(xt, t);
            return EpsFromPrediction(target, output, xt, t);
        };

    /// <summary>Converts a network output of the given kind to the clean image x_0 it implies.</summary>
    public Tensor X0FromPrediction(PredictionTarget target, Tensor prediction, Tensor xt, Tensor t) => target switch
    {
        PredictionTarget.Epsilon => X0FromEps(xt, prediction, t),
        PredictionTarget.X0 => prediction.alias(),
        PredictionTarget.Velocity => X0FromVelocity(xt, prediction, t),
        _ => throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown prediction target."),
    };
}
