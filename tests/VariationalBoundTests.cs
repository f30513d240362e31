using Diffusion.Ddpm;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class VariationalBoundTests(ITestOutputHelper output)
{
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear();

    [Theory]
    [InlineData(ReverseVariance.PosteriorVariance)]
    [InlineData(ReverseVariance.Beta)]
    public void Each_KL_term_is_the_eq12_weight_times_the_squared_noise_error_plus_a_constant(ReverseVariance variance)
    {
        var bound = new VariationalBound(Schedule, variance);
        var forward = new ForwardProcess(Schedule);
        var generator = new Generator(21);
        foreach (int t in new[] { 1, 40, 500, 999 })
        {
            using var scope = NewDisposeScope();
            var x0 = rand(4, 1, 3, 3, dtype: ScalarType.Float64, generator: generator) * 2 - 1;
            var eps = randn(x0.shape, dtype: ScalarType.Float64, generator: generator);
            var epsPrediction = eps + 0.3 * randn(x0.shape, dtype: ScalarType.Float64, generator: generator);
            var xt = forward.AddNoise(x0, eps, tensor(t));
            var term = bound.Term(x0, xt, epsPrediction, tensor(t), clipX0: false);
            // L_{t-1} = w_t ||eps - eps_theta||^2 + C_t, where C_t = KL between two Gaussians with equal means and the
            // variances beta-tilde_t and sigma_t^2, per dimension (zero when sigma_t^2 = beta-tilde_t).
            double sigma2 = Math.Exp(bound.ReverseLogVariances[t]), betaTilde = Schedule.PosteriorVariance[t];
            double constant = x0[0].numel() * 0.5 * (Math.Log(sigma2 / betaTilde) + betaTilde / sigma2 - 1);
            var weighted = bound.EpsilonWeights[t] * (eps - epsPrediction).square().flatten(1).sum(1) + constant;
            Assert.True(term.allclose(weighted, rtol: 1e-6, atol: 1e-9), $"t = {t}: {term.str()} vs {weighted.str()}");
        }
    }

    [Fact]
    public void Reverse_mean_without_clipping_is_eq11()
    {
        var bound = new VariationalBound(Schedule);
        var generator = new Generator(4);
        using var xt = randn(6, 2, dtype: ScalarType.Float64, generator: generator);
        using var eps = randn(6, 2, dtype: ScalarType.Float64, generator: generator);
        const int t = 321;
        var (mean, logVariance) = bound.ReverseStep(xt, eps, tensor(t), clipX0: false);
        using var eq11 = (xt - Schedule.Betas[t] / Math.Sqrt(1 - Schedule.AlphaBars[t]) * eps) / Math.Sqrt(Schedule.Alphas[t]);
        Assert.True(mean.allclose(eq11, rtol: 1e-9, atol: 1e-12));
        Assert.Equal(Math.Log(Schedule.PosteriorVariance[t]), logVariance[0, 0].item<double>(), 12);
        mean.Dispose();
        logVariance.Dispose();
    }

    [Fact]
    public void Prior_term_is_the_closed_form_KL_to_a_standard_normal()
    {
        var bound = new VariationalBound(Schedule);
        using var x0 = tensor(new[,] { { -1.0, 0.5 } });
        using var prior = bound.PriorTerm(x0);
        double abar = Schedule.AlphaBars[^1];
        double expected = new[] { -1.0, 0.5 }.Sum(x => 0.5 * (-Math.Log(1 - abar) + (1 - abar) + abar * x * x - 1));
        Assert.Equal(expected, prior.item<double>(), 12);
    }

    /// <summary>
    /// Data whose true negative log-likelihood is known: 8-bit values of a Gaussian N(mu, s^2), so -log P(x) is the
    /// entropy of the discretised Gaussian (bin probabilities by numerical integration). The denoiser is the exact
    /// optimum for Gaussian data, E[eps | x_t] = sqrt(1 - abar) (x_t - sqrt(abar) mu) / (abar s^2 + 1 - abar).
    /// With it the bound must come down to the true NLL: what remains is the gap of a fixed reverse variance.
    /// </summary>
    [Fact]
    public void With_the_optimal_denoiser_the_bound_equals_the_true_NLL()
    {
        const double mu = 0.1, s = 0.3;
        const int samples = 2000, dims = 8;
        double trueBitsPerDim = DiscretizedGaussianEntropyBits(mu, s);

        var generator = new Generator(2024);
        using var z = randn(samples, dims, dtype: ScalarType.Float64, generator: generator) * s + mu;
        using var x0 = ((z + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1;                        // [N, D] on the 8-bit grid
        double variance = s * s + Math.Pow(2 / 255.0, 2) / 12;                                  // + quantisation noise
        ModelOutput optimal = (xt, t) =>
        {
            var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);
            return (1 - abar).sqrt() * (xt - abar.sqrt() * mu) / (abar * variance + 1 - abar);
        };

        // The exact reverse kernel of Gaussian data is Gaussian too: its mean is what the optimal denoiser gives, its
        // variance is beta-tilde_t + coefX0_t^2 Var(x_0 | x_t), with Var(x_0 | x_t) = s^2 (1 - abar_t) / (abar_t s^2 + 1 - abar_t).
        var exactVariances = Enumerable.Range(0, Schedule.Steps).Select(t =>
        {
            double abar = Schedule.AlphaBars[t], coef = Schedule.PosteriorMeanCoefX0[t];
            return Schedule.PosteriorVariance[t] + coef * coef * variance * (1 - abar) / (abar * variance + 1 - abar);
        }).ToArray();

        using var exact = VariationalBound.WithReverseVariances(Schedule, exactVariances).Evaluate(optimal, x0, generator, clipX0: false);
        using var beta = new VariationalBound(Schedule, ReverseVariance.Beta).Evaluate(optimal, x0, generator, clipX0: false);
        using var betaTilde = new VariationalBound(Schedule, ReverseVariance.PosteriorVariance).Evaluate(optimal, x0, generator, clipX0: false);
        var (exactMean, exactError) = MeanAndError(exact.BitsPerDim);
        var (betaMean, betaError) = MeanAndError(beta.BitsPerDim);
        var (betaTildeMean, _) = MeanAndError(betaTilde.BitsPerDim);
        output.WriteLine($"true NLL {trueBitsPerDim:F4} bits/dim; bound with exact variance {exactMean:F4} +- {exactError:F4}, " +
                         $"with beta {betaMean:F4} +- {betaError:F4}, with beta-tilde {betaTildeMean:F4}");

        // Exact reverse process: the bound is tight (within 0.5% and 4 standard errors of the Monte Carlo estimate).
        Assert.InRange(exactMean, trueBitsPerDim - 4 * exactError, trueBitsPerDim * 1.005 + 4 * exactError);
        // Fixed variances: still bounds, and looser, beta-tilde much more so (Nichol and Dhariwal 2021, sec. 3.1).
        Assert.True(betaMean > trueBitsPerDim && betaMean < trueBitsPerDim * 1.05, $"beta: {betaMean}");
        Assert.True(betaTildeMean > betaMean, $"beta-tilde {betaTildeMean} vs beta {betaMean}");
    }

    /// <summary>
    /// A network trained to output x_0 or v is evaluated through its own process, which reads its output as x_0
    /// (DiffusionProcess.Interpret): the optimal x_0 and v predictors for the Gaussian data above must give the same bound, sample by sample, as the
    /// optimal eps predictor, on the same noise.
    /// </summary>
    [Theory]
    [InlineData(PredictionTarget.X0)]
    [InlineData(PredictionTarget.Velocity)]
    public void A_model_of_any_target_is_evaluated_like_its_eps_equivalent(PredictionTarget target)
    {
        const double mu = 0.1, s = 0.3;
        using var z = randn(500, 8, dtype: ScalarType.Float64, generator: new Generator(7)) * s + mu;
        using var x0 = ((z + 1) * 127.5).round().clamp(0, 255) / 127.5 - 1;                        // [N, D] on the 8-bit grid
        Tensor OptimalEps(Tensor xt, Tensor t)
        {
            var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);
            return (1 - abar).sqrt() * (xt - abar.sqrt() * mu) / (abar * s * s + 1 - abar);
        }
        Tensor OptimalOutput(Tensor xt, Tensor t)                                                // what a perfect x_0 or v network outputs
        {
            var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);
            var eps = OptimalEps(xt, t);
            var x0Hat = (xt - (1 - abar).sqrt() * eps) / abar.sqrt();
            return target == PredictionTarget.X0 ? x0Hat : abar.sqrt() * eps - (1 - abar).sqrt() * x0Hat;
        }
        var bound = new VariationalBound(Schedule, ReverseVariance.Beta);
        using var reference = bound.Evaluate(OptimalEps, x0, new Generator(8), clipX0: false);
        var targetBound = new VariationalBound(new DiffusionProcess(Schedule, target, ReverseVariance.Beta));
        using var converted = targetBound.Evaluate(OptimalOutput, x0, new Generator(8), clipX0: false);
        double difference = (reference.BitsPerDim - converted.BitsPerDim).abs().max().item<double>();
        output.WriteLine($"{target}: bound {converted.BitsPerDim.mean().item<double>():F4} bits/dim, largest difference from eps {difference:E1}");
        Assert.True(difference < 1e-6, $"the {target} model's bound differs from the eps model's by {difference}");
    }

    private static (double Mean, double StandardError) MeanAndError(Tensor values) =>
        (values.mean().item<double>(), values.std().item<double>() / Math.Sqrt(values.shape[0]));

    /// <summary>-sum_k P(k) log2 P(k) for the 256 bins of N(mu, s^2) quantised to the grid k / 127.5 - 1 (edge bins open).</summary>
    private static double DiscretizedGaussianEntropyBits(double mu, double s)
    {
        double Density(double x) => Math.Exp(-0.5 * Math.Pow((x - mu) / s, 2)) / (s * Math.Sqrt(2 * Math.PI));
        double Integrate(double lo, double hi)
        {
            const int n = 400;
            double h = (hi - lo) / n, sum = 0;
            for (int i = 0; i <= n; i++)
                sum += Density(lo + i * h) * (i == 0 || i == n ? 1 : i % 2 == 1 ? 4 : 2);
            return sum * h / 3;
        }
        var p = new double[256];
        for (int k = 1; k < 255; k++)
            p[k] = Integrate(k / 127.5 - 1 - 1 / 255.0, k / 127.5 - 1 + 1 / 255.0);
        p[0] = Integrate(mu - 12 * s, -1 + 1 / 255.0);
        p[255] = 1 - p.Sum();
        return -p.Where(q => q > 0).Sum(q => q * Math.Log2(q));
    }

    /// <summary>
    /// Evaluating the bound of a real network must not record gradients: accumulating the terms in place would otherwise
    /// chain all T autograd graphs (every step's activations) to the result. Found when lesson 09 grew to 16 GB.
    /// </summary>
    [Fact]
    public void Evaluating_a_network_keeps_no_autograd_graph()
    {
        manual_seed(3);
        using var model = new Diffusion.Models.UNet(Diffusion.Models.UNetConfig.Tiny);
        var bound = new VariationalBound(NoiseSchedule.Linear(10));
        using var x0 = rand([2, 1, 28, 28]) * 2 - 1;
        using var estimate = bound.Evaluate((x, t) => model.forward(x, t), x0, new Generator(1));
        Assert.False(estimate.BitsPerDim.requires_grad);
        Assert.True(estimate.BitsPerDim.isfinite().all().item<bool>());
    }
}
