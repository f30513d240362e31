using Diffusion.Ddpm;
using Diffusion.Sampling;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Guidance is checked on data whose every conditional and unconditional noise predictor is known exactly: two classes,
/// x_0 | y=0 ~ N(-0.5, 0.4^2) and x_0 | y=1 ~ N(0.5, 0.4^2), equally likely
/// and overlapping. Per class, E[x_0 | x_t, y] is the Gaussian
/// posterior mean; without a label it is the average of the two weighted by how likely each class makes x_t (Bayes' rule).
/// </summary>
public class GuidanceTests(ITestOutputHelper output)
{
    private static readonly double[] Means = [-0.5, 0.5];
    private const double S = 0.4;
    private const long NullClass = 2;
    private static readonly NoiseSchedule Schedule = NoiseSchedule.Linear();
    private static readonly DiffusionProcess Process = new(Schedule);

    private static Tensor OptimalEps(Tensor xt, Tensor t, Tensor labels)
    {
        var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);                            // [B, 1]
        var variance = abar * S * S + 1 - abar;                                                  // Var(x_t | y), the same for both classes
        var posteriorMeans = Means.Select(mu => mu + abar.sqrt() * S * S * (xt - abar.sqrt() * mu) / variance).ToArray();
        var logLikelihoods = Means.Select(mu => -(xt - abar.sqrt() * mu).pow(2) / (2 * variance)).ToArray();
        var classWeights = softmax(stack(logLikelihoods), 0);                                   // p(y | x_t)   [2, B, 1]
        var unconditional = classWeights[0] * posteriorMeans[0] + classWeights[1] * posteriorMeans[1];
        var x0 = where(labels.eq(NullClass).unsqueeze(1), unconditional, where(labels.eq(1).unsqueeze(1), posteriorMeans[1], posteriorMeans[0]));
        return (xt - abar.sqrt() * x0) / (1 - abar).sqrt();                                     // eps from E[x_0 | x_t]
    }

    private Tensor Sample(double scale, long label, int count = 4000)
    {
        using var labels = full(count, label, dtype: ScalarType.Int64);
        var guided = ClassifierFreeGuidance.Guide(OptimalEps, labels, NullClass, scale);
        using var result = new DdpmSampler(Process, clipX0: false).Sample(guided, [count, 1], new Generator(5), CPU);
        return result.Images.to_type(ScalarType.Float64).alias();
    }

    [Fact]
    public void Scale_one_samples_the_chosen_class()
    {
        using var x = Sample(scale: 1, label: 1);
        double mean = x.mean().item<double>(), std = x.std().item<double>();
        output.WriteLine($"scale 1, class 1: mean {mean:F3} (want 0.5), std {std:F3} (want {S})");
        Assert.InRange(mean, 0.5 - 0.03, 0.5 + 0.03);
        Assert.InRange(std, S * 0.95, S * 1.05);
    }

    [Fact]
    public void Scale_zero_samples_the_mixture_of_both_classes()
    {
        using var x = Sample(scale: 0, label: 1);
        double positive = x.gt(0).to_type(ScalarType.Float64).mean().item<double>();
        output.WriteLine($"scale 0: fraction above 0 {positive:F3} (want 0.5), mean {x.mean().item<double>():F3} (want 0)");
        Assert.InRange(positive, 0.46, 0.54);
        Assert.InRange(x.mean().item<double>(), -0.05, 0.05);
    }

    [Fact]
    public void Larger_scales_trade_diversity_for_typicality()
    {
        using var plain = Sample(scale: 1, label: 0);
        using var guided = Sample(scale: 4, label: 0);
        double WrongSide(Tensor x) => x.gt(0).to_type(ScalarType.Float64).mean().item<double>();   // looks like class 1
        double plainStd = plain.std().item<double>(), guidedStd = guided.std().item<double>();
        output.WriteLine($"class 0: std {plainStd:F3} -> {guidedStd:F3}, mean {plain.mean().item<double>():F3} -> {guided.mean().item<double>():F3}, " +
                         $"above 0 {WrongSide(plain):F3} -> {WrongSide(guided):F3} from scale 1 to 4");
        Assert.InRange(WrongSide(plain), 0.08, 0.13);                                          // N(-0.5, 0.4^2): P(x > 0) = 0.106
        Assert.True(WrongSide(guided) < WrongSide(plain) / 3, "guidance should move samples away from the other class");
        Assert.True(guidedStd < 0.9 * plainStd, "guidance should narrow the class distribution");
    }

    [Fact]
    public void Guidance_works_with_the_deterministic_samplers_too()
    {
        using var labels = full(2000, 1L, dtype: ScalarType.Int64);
        var guided = ClassifierFreeGuidance.Guide(OptimalEps, labels, NullClass, scale: 1);
        using var xT = randn([2000, 1], generator: new Generator(6), dtype: ScalarType.Float64);
        using var ddim = new DdimSampler(Process, 50).Sample(guided, xT);
        using var dpm = new DpmSolverSampler(Process, 20).Sample(guided, xT);
        Assert.InRange(ddim.Images.mean().item<double>(), 0.45, 0.55);
        Assert.InRange(dpm.Images.mean().item<double>(), 0.45, 0.55);
    }

    [Fact]
    public void Bad_inputs_are_rejected_with_the_reason()
    {
        using var labels = zeros(4, dtype: ScalarType.Int64);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierFreeGuidance.Guide(OptimalEps, labels, NullClass, scale: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassifierFreeGuidance.Guide(OptimalEps, labels, NullClass, scale: double.NaN));
        var guided = ClassifierFreeGuidance.Guide(OptimalEps, labels, NullClass, scale: 2);
        using var x = randn([3, 1]);
        using var t = zeros(3, dtype: ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => guided(x, t));
        Assert.Contains("3 images but 4 labels", error.Message);
        using var network = new Diffusion.Models.UNet(Diffusion.Models.UNetConfig.Tiny);
        var unconditional = new Diffusion.Training.TrainedModel(network, new(new Diffusion.Training.TrainingConfig(), 0, 0, "untrained",
            Diffusion.Training.TrainingData.FashionMnistImages));
        Assert.Contains("unconditional", Assert.Throws<InvalidOperationException>(() => unconditional.Guided(labels, scale: 2)).Message);
    }
}
