using static TorchSharp.torch;

namespace Diffusion.Ddpm;

/// <summary>
/// The loss a diffusion network trains with: the squared error between what it output for x_t and what it should have
/// output, averaged over the pixels of each image, then weighted per timestep and averaged over the batch.
///
///   1. target_t = eps                                          (Ho et al. 2020, eq. 14: L_simple)
///               | x_0                                          (the clean image)
///               | v = sqrt(abar_t) eps - sqrt(1 - abar_t) x_0  (Salimans and Ho 2022, sec. 4)
///               | u = eps - x_0                                (Liu et al. 2023, eq. 1: the flow velocity)
///   2. e_b      = mean over pixels of (prediction_b - target_b)^2                      per image  [B]
///   3. w_t      = 1, or Min-SNR-gamma: min(SNR_t, gamma) / SNR_t for eps, min(SNR_t, gamma) for x_0,
///                 min(SNR_t, gamma) / (SNR_t + 1) for v                 (Hang et al. 2023, eq. 12 and sec. 3.4);
///                 the flow velocity trains unweighted, as Liu et al. and Lipman et al. do
///   4. loss     = mean over the batch of w_{t_b} e_b
///
/// With the eps target and no weighting this is exactly L_simple (<see cref="Simple"/>). The weights are computed once
/// per process, as a <see cref="ScheduleTable"/>.
/// </summary>
public sealed class DiffusionLoss
{
    private readonly DiffusionProcess _process;

    /// <summary>Made once by its <see cref="DiffusionProcess"/> (<see cref="DiffusionProcess.Loss"/>), on its schedule and target.</summary>
    /// <param name="minSnrGamma">Min-SNR-gamma weighting (Hang et al. use gamma = 5), or null for the plain mean.</param>
    internal DiffusionLoss(DiffusionProcess process, double? minSnrGamma)
    {
        if (minSnrGamma is <= 0 or double.NaN)
            throw new ArgumentOutOfRangeException(nameof(minSnrGamma), minSnrGamma, "Min-SNR gamma must be positive.");
        if (minSnrGamma is not null && process.Target == PredictionTarget.FlowVelocity)
            throw new ArgumentException("Min-SNR weighting is defined here for eps, x_0 and v; the flow velocity trains with the plain " +
                "mean squared error (Liu et al. 2023; Lipman et al. 2023).", nameof(minSnrGamma));
        _process = process;
        MinSnrGamma = minSnrGamma;
        Weights = new ScheduleTable(process.Schedule.Snr.Select(snr => minSnrGamma is not double gamma ? 1.0 : Target switch   // step 3
        {
            PredictionTarget.Epsilon => Math.Min(snr, gamma) / snr,
            PredictionTarget.X0 => Math.Min(snr, gamma),
            PredictionTarget.Velocity => Math.Min(snr, gamma) / (snr + 1),
            _ => throw new ArgumentOutOfRangeException(nameof(process), Target, "Unknown prediction target."),
        }));
    }

    /// <summary>What the network is trained to output.</summary>
    public PredictionTarget Target => _process.Target;

    public double? MinSnrGamma { get; }

    /// <summary>w_t of step 3, one per code timestep (all 1 without Min-SNR).</summary>
    public ScheduleTable Weights { get; }

    /// <summary>L_simple = mean of (eps_theta - eps)^2 over every element (Ho et al. 2020, eq. 14).</summary>
    public static Tensor Simple(Tensor epsPrediction, Tensor eps) => nn.functional.mse_loss(epsPrediction, eps);

    /// <summary>What the network should output for x_t made from <paramref name="x0"/> and <paramref name="eps"/> at t (step 1).</summary>
    public Tensor TargetFor(Tensor x0, Tensor eps, Tensor t) => _process.TargetFor(x0, eps, t);

    /// <summary>The loss of a batch (steps 2 to 4): a scalar.</summary>
    /// <param name="prediction">The network's output for x_t. [B, C, H, W]</param>
    /// <param name="x0">The clean images x_t was made from. [B, C, H, W]</param>
    /// <param name="eps">The noise x_t was made with. [B, C, H, W]</param>
    /// <param name="t">Code timesteps. [B]</param>
    public Tensor Compute(Tensor prediction, Tensor x0, Tensor eps, Tensor t)
    {
        if (!prediction.shape.SequenceEqual(x0.shape))
            throw new ArgumentException($"The prediction is [{string.Join(", ", prediction.shape)}] but the images are " +
                $"[{string.Join(", ", x0.shape)}]: a network must output one value per pixel.", nameof(prediction));
        using var scope = NewDisposeScope();
        var target = TargetFor(x0, eps, t);                                                      // step 1  [B, C, H, W]
        var perImage = (prediction - target).square().flatten(1).mean([1]);                     // step 2  [B]
        var weights = Weights.Gather(t, perImage);                                               // step 3  [B]
        return (perImage * weights).mean().MoveToOuterDisposeScope();                            // step 4
    }
}
