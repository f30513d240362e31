using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class GaussianTests
{
    [Fact]
    public void Kl_matches_a_Monte_Carlo_estimate()
    {
        const double m1 = 0.3, v1 = 0.5, m2 = -0.2, v2 = 2.0;
        const int n = 2_000_000;
        var generator = new TorchSharp.torch.Generator(11);
        using var x = randn(n, dtype: ScalarType.Float64, generator: generator) * Math.Sqrt(v1) + m1;
        // log N(x; m, v) = -0.5 (log 2 pi v + (x - m)^2 / v)
        using var logRatio = -0.5 * (Math.Log(v1) + (x - m1).square() / v1) + 0.5 * (Math.Log(v2) + (x - m2).square() / v2);
        double estimate = logRatio.mean().item<double>();
        double standardError = logRatio.std().item<double>() / Math.Sqrt(n);

        using var kl = Gaussian.Kl(tensor(m1), tensor(Math.Log(v1)), tensor(m2), tensor(Math.Log(v2)));
        Assert.InRange(kl.item<double>(), estimate - 5 * standardError, estimate + 5 * standardError);
        using var self = Gaussian.Kl(tensor(m1), tensor(Math.Log(v1)), tensor(m1), tensor(Math.Log(v1)));
        Assert.Equal(0.0, self.item<double>(), 12);
    }

    [Theory]
    [InlineData(0.0, 0.3)]
    [InlineData(0.95, 0.01)]
    [InlineData(-1.4, 0.5)]
    [InlineData(0.2, 0.0005)]
    [InlineData(0.0, 3.0)]
    public void Discretized_likelihood_sums_to_one_over_the_256_bins(double mean, double scale)
    {
        using var grid = arange(256, dtype: ScalarType.Float64) / 127.5 - 1;                     // [256]
        using var logP = Gaussian.DiscretizedLogLikelihood(grid, full(256, mean, ScalarType.Float64), full(256, Math.Log(scale), ScalarType.Float64));
        Assert.Equal(1.0, logP.exp().sum().item<double>(), 1e-9);
    }

    [Fact]
    public void An_interior_bin_matches_numerical_integration_of_the_density()
    {
        const double mean = 0.1, scale = 0.05, x = 0.12549019607843137;                          // grid point 143
        double lo = x - 1 / 255.0, hi = x + 1 / 255.0;
        // Simpson's rule on the normal density over the bin.
        const int n = 1000;
        double h = (hi - lo) / n, sum = 0;
        for (int i = 0; i <= n; i++)
        {
            double z = lo + i * h, density = Math.Exp(-0.5 * Math.Pow((z - mean) / scale, 2)) / (scale * Math.Sqrt(2 * Math.PI));
            sum += density * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
        }
        double integral = sum * h / 3;
        using var logP = Gaussian.DiscretizedLogLikelihood(tensor(x), tensor(mean), tensor(Math.Log(scale)));
        Assert.Equal(integral, logP.exp().item<double>(), 1e-10);
    }
}
