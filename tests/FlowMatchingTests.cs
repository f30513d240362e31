using Diffusion.Ddpm;
using Diffusion.Evaluation;
using Diffusion.Sampling;
using Diffusion.Training;
using Diffusion.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// The rectified flow (lesson 11) against closed forms. For data whose pixels are drawn from N(mu, s^2), the path
/// x_t = (1 - t) x_0 + t eps has the exact velocity u(x, t) = E[eps - x_0 | x_t = x], and its ODE carries x_1 to
/// x_0 = mu + s x_1 (the flow of a Gaussian is affine), so a sampler's endpoint error can be measured exactly.
/// </summary>
public class FlowMatchingTests(ITestOutputHelper output)
{
    private const double Mu = 0.3, S = 0.5;
    private static readonly NoiseSchedule Flow = NoiseSchedule.Create(ScheduleKind.RectifiedFlow);
    private static readonly DiffusionProcess Process = new(Flow, PredictionTarget.FlowVelocity);

    /// <summary>u(x, t) = E[eps | x] - E[x_0 | x] for x_0 ~ N(mu, s^2), with V = (1 - t)^2 s^2 + t^2 the variance of x_t.</summary>
    private static Tensor ExactVelocity(Tensor xt, Tensor k)
    {
        double[] times = NoiseSchedule.FlowTimes(Flow.Steps);
        long[] shape = [-1, .. Enumerable.Repeat(1L, (int)xt.dim() - 1)];
        using var t = tensor(k.data<long>().Select(i => times[i]).ToArray(), dtype: xt.dtype).reshape(shape);   // [B, 1, ..]
        using var centred = xt - (1 - t) * Mu;                                                   // x - E[x_t]
        using var variance = (1 - t).square() * (S * S) + t.square();                            // V
        using var eps = t * centred / variance;                                                  // E[eps | x]
        using var x0 = Mu + (1 - t) * (S * S) * centred / variance;                              // E[x_0 | x]
        return eps - x0;
    }

    private static double EndpointError(Sampler sampler)
    {
        using var x1 = linspace(-3, 3, 61, dtype: ScalarType.Float64).reshape(61, 1);            // [B, 1] starting points
        using var result = sampler.Sample(ExactVelocity, x1);
        using var exact = Mu + S * x1;                                                            // the ODE's endpoint
        return (result.Images - exact).abs().max().item<double>();
    }

    [Fact]
    public void The_rectified_flow_schedule_is_the_straight_path_from_data_to_pure_noise()
    {
        for (int k = 0; k < Flow.Steps; k++)
        {
            double t = (k + 1) / 1000.0;
            Assert.Equal(1 - t, Flow.SignalScales[k], 1e-12);
            Assert.Equal(t, Flow.NoiseScales[k], 1e-12);
        }
        Assert.False(Flow.IsVariancePreserving);
        Assert.Equal(0, Flow.Snr[^1]);                                                          // ends in pure noise
        Assert.True(NoiseSchedule.Create(ScheduleKind.Cosine).IsVariancePreserving);
    }

    /// <summary>
    /// The Markov steps x_k = sqrt(alpha_k) x_(k-1) + sqrt(beta_k) z reproduce the marginals, and the posterior tables are
    /// the conditional of the joint Gaussian of (x_(k-1), x_k) given x_0, computed here from its covariances.
    /// </summary>
    [Fact]
    public void Markov_steps_and_posterior_agree_with_the_joint_gaussian()
    {
        for (int k = 1; k < Flow.Steps; k++)
        {
            double scale = Math.Sqrt(Flow.Alphas[k]), previousVariance = Flow.NoiseVariances[k - 1];
            Assert.Equal(Flow.SignalScales[k], scale * Flow.SignalScales[k - 1], 1e-12);
            Assert.Equal(Flow.NoiseVariances[k], scale * scale * previousVariance + Flow.Betas[k], 1e-12);
            double covariance = scale * previousVariance;                                       // Cov(x_(k-1), x_k | x_0)
            double coefXt = covariance / Flow.NoiseVariances[k];
            Assert.Equal(coefXt, Flow.PosteriorMeanCoefXt[k], 1e-12);
            Assert.Equal(Flow.SignalScales[k - 1] - coefXt * Flow.SignalScales[k], Flow.PosteriorMeanCoefX0[k], 1e-12);
            Assert.Equal(previousVariance - coefXt * covariance, Flow.PosteriorVariance[k], 1e-12);
        }
    }

    [Fact]
    public void The_flow_velocity_target_and_its_reading_round_trip()
    {
        using var x0 = randn(4, 1, 5, 5, dtype: ScalarType.Float64);
        using var eps = randn(4, 1, 5, 5, dtype: ScalarType.Float64);
        using var k = tensor(new long[] { 0, 300, 700, 999 });
        using var xt = Process.AddNoise(x0, eps, k);
        using var u = Process.TargetFor(x0, eps, k);
        Assert.True(u.allclose(eps - x0, rtol: 0, atol: 1e-12));
        using var read = Process.Interpret(u, xt, k, clipX0: false);
        Assert.True(read.X0.allclose(x0, rtol: 0, atol: 1e-9));
        Assert.True(read.Eps.allclose(eps, rtol: 0, atol: 1e-9));
    }

    [Fact]
    public void Targets_that_cannot_work_on_the_flow_are_refused_with_the_reason()
    {
        Assert.Contains("variance-preserving", Assert.Throws<ArgumentException>(() => new DiffusionProcess(Flow, PredictionTarget.Velocity)).Message);
        Assert.Contains("pure noise", Assert.Throws<ArgumentException>(() => new DiffusionProcess(Flow, PredictionTarget.Epsilon)).Message);
        Assert.Contains("Min-SNR", Assert.Throws<ArgumentException>(() =>
            new DiffusionProcess(Flow, PredictionTarget.FlowVelocity, minSnrGamma: 5)).Message);
        var config = new TrainingConfig { Schedule = ScheduleKind.RectifiedFlow, Target = PredictionTarget.Velocity };
        Assert.Throws<ArgumentException>(config.Validate);
        var vp = new DiffusionProcess(NoiseSchedule.Create(ScheduleKind.Cosine), PredictionTarget.Velocity);
        Assert.Contains("rectified flow", Assert.Throws<ArgumentException>(() => SamplerSpec.Parse("heun:10").Create(vp)).Message);
    }

    [Fact]
    public void With_the_exact_velocity_euler_and_heun_land_on_the_exact_endpoint_within_their_step_error()
    {
        double euler = EndpointError(new EulerSampler(Process, 1000));
        double heun = EndpointError(new HeunSampler(Process, 100));
        output.WriteLine($"Euler 1000 steps: {euler:E2}; Heun 100 times (199 evaluations): {heun:E2}");
        Assert.True(euler < 3e-3, $"Euler error {euler}");                                      // about 2.2 h, h = 1 / 1000
        Assert.True(heun < 5e-4, $"Heun error {heun}");                                        // about 2.4 h^2, h = 1 / 100
    }

    /// <summary>Halving the step halves Euler's error (first order) and quarters Heun's (second order).</summary>
    [Fact]
    public void Euler_converges_at_first_order_and_heun_at_second()
    {
        int[] steps = [10, 20, 40, 80];
        double[] euler = steps.Select(n => EndpointError(new EulerSampler(Process, n))).ToArray();
        double[] heun = steps.Select(n => EndpointError(new HeunSampler(Process, n))).ToArray();
        for (int i = 1; i < steps.Length; i++)
        {
            double eulerRatio = euler[i - 1] / euler[i], heunRatio = heun[i - 1] / heun[i];
            output.WriteLine($"{steps[i - 1]} -> {steps[i]} steps: Euler error / {eulerRatio:F2}, Heun error / {heunRatio:F2}");
            Assert.InRange(eulerRatio, 1.8, 2.2);
            Assert.InRange(heunRatio, 3.5, 5.0);
        }
    }

    [Fact]
    public void Ddim_with_eta_zero_is_euler_on_the_flow()
    {
        using var x1 = randn(16, 1, 4, 4, dtype: ScalarType.Float64, generator: new TorchSharp.torch.Generator(3));
        foreach (int n in new[] { 1, 7, 50 })
        {
            using var euler = new EulerSampler(Process, n).Sample(ExactVelocity, x1);
            using var ddim = new DdimSampler(Process, n).Sample(ExactVelocity, x1);
            Assert.Equal(euler.Images.shape, ddim.Images.shape);
            Assert.True(euler.Images.allclose(ddim.Images, rtol: 0, atol: 1e-12), $"{n} steps");
        }
    }

    [Fact]
    public void Dpm_solver_starts_from_pure_noise_and_reaches_the_endpoint()
    {
        var sampler = new DpmSolverSampler(Process, 20);
        Assert.Equal(999, sampler.Timesteps[0]);                                                 // t = 1: x_1 ~ N(0, I)
        Assert.Equal(0, sampler.Timesteps[^1]);
        double error = EndpointError(sampler), euler = EndpointError(new EulerSampler(Process, 20));
        output.WriteLine($"20 evaluations: DPM-Solver++(2M) error {error:E2}, Euler {euler:E2}");
        Assert.True(error < euler / 2, $"DPM-Solver++ error {error}, Euler {euler}");           // 0.039 against 0.107
    }

    [Fact]
    public void Heun_specs_count_evaluations_and_refuse_what_they_do_not_take()
    {
        var heun = SamplerSpec.Parse("heun:10").Create(Process);
        Assert.Equal(19, heun.Timesteps.Count);                                                  // 2 N - 1 evaluations
        Assert.Equal([999, 899, 899, 799, 799], heun.Timesteps.Take(5));
        Assert.Equal(20, SamplerSpec.Parse("euler:20").Create(Process).Timesteps.Count);
        Assert.Equal("Heun", SamplerSpec.Parse("heun:10").Name);
        Assert.Throws<ArgumentException>(() => SamplerSpec.Parse("euler").Create(Process));
        Assert.Throws<ArgumentException>(() => SamplerSpec.Parse("heun:10:eta=1").Create(Process));
        var sampler = new HeunSampler(Process, 5);
        using var x = zeros(1, 1);
        using var u = zeros(1, 1);
        sampler.Step(u, 0, x, null).Previous.Dispose();
        Assert.Throws<InvalidOperationException>(() => sampler.Step(u, 2, x, null));            // skipped the corrector
    }

    [Fact]
    public void The_trainer_trains_a_flow_model_and_it_round_trips()
    {
        var config = TrainerTests.Quick with { Schedule = ScheduleKind.RectifiedFlow, Target = PredictionTarget.FlowVelocity };
        using var trainer = TrainerTests.NewTrainer(config: config);
        using var images = rand(16, 1, 28, 28) * 2 - 1;
        double first = trainer.TrainStep(images).Loss;
        trainer.TrainStep(images);
        Assert.True(double.IsFinite(first) && first > 0.5, $"loss {first}");                     // u = eps - x_0 has variance > 1
        using var temp = new TempFolder();
        trainer.SaveModel(temp.File("flow.bin"), "flow test", TrainingData.FashionMnistImages);
        var model = TrainedModel.Load(temp.File("flow.bin"), CPU);
        using var network = model.Network;
        Assert.Equal(ScheduleKind.RectifiedFlow, model.Schedule.Kind);
        Assert.Equal(PredictionTarget.FlowVelocity, model.Target);
        using var sample = SamplerSpec.Parse("heun:3").Create(model.Process).Sample(model.Output, [2, 1, 28, 28], new TorchSharp.torch.Generator(1), CPU);
        Assert.False(sample.Images.isnan().any().item<bool>());
    }

    [Fact]
    public void Straightness_is_one_for_a_line_root_two_for_a_right_angle_and_refuses_a_point()
    {
        using var start = zeros(2, 2);
        using var corner = tensor(new double[] { 1, 0, 3, 0 }).reshape(2, 2);
        using var end = tensor(new double[] { 1, 1, 6, 0 }).reshape(2, 2);
        double[] ratios = PathStraightness.PathOverChord([start, corner, end]);                  // image 0 turns; image 1 goes straight
        Assert.Equal(Math.Sqrt(2), ratios[0], 1e-12);
        Assert.Equal(1.0, ratios[1], 1e-12);
        Assert.Throws<ArgumentException>(() => PathStraightness.PathOverChord([start]));
    }
}
