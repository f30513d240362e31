using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class PosteriorTests
{
    /// <summary>
    /// Bayes' rule for Gaussians, done directly: the prior q(x_{t-1} | x_0) = N(sqrt(abar_{t-1}) x_0, 1 - abar_{t-1})
    /// times the likelihood q(x_t | x_{t-1}) = N(sqrt(alpha_t) x_{t-1}, beta_t), as a function of x_{t-1}, is a Gaussian
    /// whose precision is the sum of the precisions and whose mean is the precision-weighted sum of the two estimates.
    /// </summary>
    [Theory]
    [InlineData(ScheduleKind.Linear)]
    [InlineData(ScheduleKind.Cosine)]
    public void Posterior_equals_Bayes_rule_for_Gaussians(ScheduleKind kind)
    {
        var schedule = NoiseSchedule.Create(kind, 1000);
        var posterior = new Posterior(schedule);
        var generator = new TorchSharp.torch.Generator(3);
        foreach (int t in new[] { 1, 2, 10, 250, 700, 999 })
        {
            using var x0 = randn(16, 1, dtype: ScalarType.Float64, generator: generator);
            using var xt = randn(16, 1, dtype: ScalarType.Float64, generator: generator);
            double abarPrev = schedule.AlphaBars[t - 1], alpha = schedule.Alphas[t], beta = schedule.Betas[t];

            double precision = 1 / (1 - abarPrev) + alpha / beta;
            using var bayesMean = (Math.Sqrt(abarPrev) / (1 - abarPrev) * x0 + Math.Sqrt(alpha) / beta * xt) / precision;

            using var tt = tensor(t);
            using var mean = posterior.Mean(x0, xt, tt);
            using var variance = posterior.Variance(tt, x0);
            Assert.True(mean.allclose(bayesMean, rtol: 1e-9, atol: 1e-12), $"mean differs at t = {t}");
            Assert.Equal(1 / precision, variance[0, 0].item<double>(), 1e-12);
        }
    }

    [Fact]
    public void At_the_first_step_the_posterior_is_x0_itself()
    {
        var schedule = NoiseSchedule.Linear();
        Assert.Equal(1.0, schedule.PosteriorMeanCoefX0[0], 12);
        Assert.Equal(0.0, schedule.PosteriorMeanCoefXt[0], 12);
        Assert.Equal(0.0, schedule.PosteriorVariance[0], 12);
    }
}
