using Diffusion.Ddpm;

namespace Diffusion.Sampling;

/// <summary>
/// Which of the T trained timesteps a few-step sampler visits: always distinct, highest first. Whatever the last one,
/// the sampler's final step goes from it to x_0 (abar = 1).
/// </summary>
public static class TimestepSpacing
{
    public static int[] Choose(NoiseSchedule schedule, int steps, Spacing spacing)
    {
        if (steps < 1 || steps > schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(steps), steps, $"Must lie in 1 .. {schedule.Steps} (the schedule's T).");
        return spacing switch
        {
            Spacing.Even => Even(schedule.Steps, steps),
            Spacing.Trailing => Trailing(schedule.Steps, steps),
            Spacing.UniformLogSnr => UniformLogSnr(schedule, steps),
            _ => throw new ArgumentOutOfRangeException(nameof(spacing), spacing, "Unknown spacing."),
        };
    }

    /// <summary>
    /// Even for the DDPM families; Trailing for a schedule that ends in pure noise (the rectified flow), so that the first
    /// step starts at t = T-1, where x_T ~ N(0, I) is exactly what the model was trained on (Lin et al. 2024, sec. 3.3).
    /// </summary>
    public static Spacing DefaultFor(NoiseSchedule schedule) => schedule.Snr[^1] == 0 ? Spacing.Trailing : Spacing.Even;

    /// <summary>Stride T / steps: for T = 1000 and 50 steps, 980, 960, .., 20, 0.</summary>
    private static int[] Even(int diffusionSteps, int steps)
    {
        int stride = diffusionSteps / steps;
        return Enumerable.Range(0, steps).Select(i => i * stride).Reverse().ToArray();
    }

    /// <summary>round(T - i T / steps) - 1 for i = 0 .. steps - 1: for T = 1000 and 50 steps, 999, 979, .., 19.</summary>
    private static int[] Trailing(int diffusionSteps, int steps) =>
        Enumerable.Range(0, steps).Select(i => (int)Math.Round(diffusionSteps - i * (double)diffusionSteps / steps) - 1).ToArray();

    /// <summary>
    /// The timesteps nearest to evenly spaced values of lambda = log(alpha_t / sigma_t) between t = T-1 and t = 0
    /// (sqrt(abar) / sqrt(1 - abar) for the DDPM families). Near t = 0 lambda changes fastest, so nearest timesteps can
    /// coincide; each is then moved to the next free one, keeping them distinct and leaving room for the rest. A schedule
    /// that ends in pure noise (lambda = -infinity at T-1, the rectified flow) starts at T-1 and spaces the rest from T-2.
    /// </summary>
    private static int[] UniformLogSnr(NoiseSchedule schedule, int steps)
    {
        double[] lambda = schedule.LogSnr.Select(logSnr => 0.5 * logSnr).ToArray();            // rises as t falls
        int last = schedule.Steps - 1;
        bool pureNoise = double.IsNegativeInfinity(lambda[last]) && last > 0;                 // zero terminal SNR
        double low = pureNoise ? lambda[last - 1] : lambda[last];
        var chosen = new int[steps];
        int previous = schedule.Steps;
        for (int i = 0; i < steps; i++)
        {
            double target = steps == 1 ? lambda[0] : low + (lambda[0] - low) * i / (steps - 1);
            int nearest = pureNoise && i == 0 ? last : Enumerable.Range(0, schedule.Steps).MinBy(t => Math.Abs(lambda[t] - target));
            chosen[i] = Math.Max(Math.Min(nearest, previous - 1), steps - 1 - i);                   // distinct, room for the rest
            previous = chosen[i];
        }
        return chosen;
    }
}
