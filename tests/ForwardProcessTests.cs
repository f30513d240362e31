using Diffusion.Ddpm;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ForwardProcessTests
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear();
    private static readonly ForwardProcess Forward = new(Schedule);
    private static readonly DiffusionProcess Process = new(Schedule);

    /// <summary>
    /// Run the Markov chain q(x_t | x_{t-1}) step by step from a fixed x_0 for many independent chains, and compare
    /// the empirical mean and variance of x_t with the closed form N(sqrt(abar_t) x_0, (1 - abar_t) I) of eq. 4.
    /// Tolerances are 5 standard errors of the estimates.
    /// </summary>
    [Fact]
    public void Stepwise_noising_matches_the_closed_form_in_mean_and_variance()
    {
        const int chains = 20_000;
        var generator = new Generator(1234);
        using var x0 = tensor(new[] { -1.0, -0.3, 0.4, 1.0 }).expand(chains, 4).contiguous();     // [N, 4]
        var x = x0.clone();
        int[] checkpoints = [0, 9, 99, 499, 999];
        for (int t = 0; t < Schedule.Steps; t++)
        {
            using var scope = NewDisposeScope();
            var eps = randn(x0.shape, dtype: ScalarType.Float64, generator: generator);
            var next = Forward.Step(x, eps, tensor(t));
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
            if (!checkpoints.Contains(t))
                continue;
            double abar = Schedule.AlphaBars[t];
            var mean = x.mean([0]).data<double>().ToArray();
            var variance = x.var(0).data<double>().ToArray();
            double meanTolerance = 5 * Math.Sqrt((1 - abar) / chains);
            double varianceTolerance = 5 * (1 - abar) * Math.Sqrt(2.0 / chains);
            for (int d = 0; d < 4; d++)
            {
                double x0d = x0[0, d].item<double>();
                Assert.InRange(mean[d], Math.Sqrt(abar) * x0d - meanTolerance, Math.Sqrt(abar) * x0d + meanTolerance);
                Assert.InRange(variance[d], 1 - abar - varianceTolerance, 1 - abar + varianceTolerance);
            }
        }
        x.Dispose();
    }

    [Fact]
    public void Closed_form_with_per_sample_t()
    {
        var generator = new Generator(5);
        using var x0 = rand(3, 1, 2, 2, dtype: ScalarType.Float64, generator: generator) * 2 - 1;
        using var eps = randn(3, 1, 2, 2, dtype: ScalarType.Float64, generator: generator);
        using var t = tensor(new long[] { 0, 500, 999 });
        using var xt = Forward.AddNoise(x0, eps, t);
        for (int b = 0; b < 3; b++)
        {
            int tb = (int)t[b].item<long>();
            using var expected = Math.Sqrt(Schedule.AlphaBars[tb]) * x0[b] + Math.Sqrt(1 - Schedule.AlphaBars[tb]) * eps[b];
            Assert.True(xt[b].allclose(expected, rtol: 0, atol: 1e-12));
        }
    }

    [Fact]
    public void Eps_x0_and_v_convert_into_each_other()
    {
        var generator = new Generator(9);
        using var x0 = rand(8, 1, 4, 4, dtype: ScalarType.Float64, generator: generator) * 2 - 1;
        using var eps = randn(8, 1, 4, 4, dtype: ScalarType.Float64, generator: generator);
        using var t = randint(0, 1000, [8], dtype: ScalarType.Int64, generator: generator);
        using var xt = Forward.AddNoise(x0, eps, t);
        using var v = Forward.Velocity(x0, eps, t);

        using var x0FromEps = Forward.X0FromEps(xt, eps, t);
        using var epsFromX0 = Forward.EpsFromX0(xt, x0, t);
        using var x0FromV = Process.X0FromVelocity(xt, v, t);
        using var epsFromV = Process.EpsFromVelocity(xt, v, t);
        Assert.True(x0FromEps.allclose(x0, rtol: 0, atol: 1e-8));      // sqrt(abar_T) ~ 0.006 amplifies rounding
        Assert.True(epsFromX0.allclose(eps, rtol: 0, atol: 1e-10));
        Assert.True(x0FromV.allclose(x0, rtol: 0, atol: 1e-10));
        Assert.True(epsFromV.allclose(eps, rtol: 0, atol: 1e-10));
        foreach (PredictionTarget target in Enum.GetValues<PredictionTarget>())
        {
            using var u = DiffusionProcess.FlowVelocity(x0, eps);                              // u = eps - x_0
            var prediction = target switch { PredictionTarget.Epsilon => eps, PredictionTarget.X0 => x0, PredictionTarget.Velocity => v, _ => u };
            using var read = new DiffusionProcess(Schedule, target).Interpret(prediction, xt, t, clipX0: false);
            Assert.True(read.Eps.allclose(eps, rtol: 0, atol: 1e-8));
            Assert.True(read.X0.allclose(x0, rtol: 0, atol: 1e-8));
        }
    }

    [Fact]
    public void Extract_broadcasts_a_scalar_or_a_vector_of_timesteps()
    {
        using var like = zeros(5, 3, 8, 8);
        using var fromScalar = NoiseSchedule.Extract(Schedule.Betas, tensor(10), like);
        using var fromVector = NoiseSchedule.Extract(Schedule.Betas, arange(5), like);
        Assert.Equal([5L, 1, 1, 1], fromScalar.shape);
        Assert.Equal(ScalarType.Float32, fromVector.dtype);
        Assert.Equal((float)Schedule.Betas[3], fromVector[3, 0, 0, 0].item<float>());
    }
}
