using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>How the trainer picks each image's timestep (step 2 of <see cref="Trainer"/>).</summary>
public enum TimestepDistribution
{
    /// <summary>Every code timestep equally likely (Ho et al. 2020, Algorithm 1; Liu et al. 2023 and Lipman et al. 2023 for flows).</summary>
    Uniform,

    /// <summary>
    /// t = sigmoid(n), n ~ N(0, 1), taken to the code timestep whose time (k + 1) / T is the first at or above t: the middle
    /// of the path, where the velocity is hardest to predict, is drawn most (Esser et al. 2024, eq. 19, "rf/lognorm(0.00, 1.00)").
    /// </summary>
    LogitNormal,
}

/// <summary>Draws code timesteps from a <see cref="TimestepDistribution"/>.</summary>
public static class TimestepSampling
{
    /// <summary>One code timestep in 0 .. <paramref name="steps"/> - 1 per image. [count]</summary>
    public static Tensor Draw(this TimestepDistribution distribution, int steps, long count, Generator generator) => distribution switch
    {
        TimestepDistribution.Uniform => randint(0, steps, [count], generator: generator),
        TimestepDistribution.LogitNormal => LogitNormal(steps, count, generator),
        _ => throw new ArgumentOutOfRangeException(nameof(distribution), distribution, "Unknown timestep distribution."),
    };

    private static Tensor LogitNormal(int steps, long count, Generator generator)
    {
        using var scope = NewDisposeScope();
        var t = randn([count], dtype: ScalarType.Float64, generator: generator).sigmoid();       // t in (0, 1)   [count]
        var k = (t * steps).ceil() - 1;                                                          // (k + 1) / T >= t
        return k.clamp(0, steps - 1).to(ScalarType.Int64).MoveToOuterDisposeScope();
    }
}
