using Diffusion.Ddpm;
using Diffusion.Sampling;
using TorchSharp;
using Xunit.Abstractions;
using static Diffusion.Tests.GaussianData;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Samplers are checked with a model whose answer is known exactly (<see cref="GaussianData"/>): for data x_0 ~ N(mu, s^2 I)
/// the optimal noise predictor must make every correct sampler produce samples with mean mu and variance s^2.
/// </summary>
public class SamplerTests(ITestOutputHelper output)
{
    private void AssertGaussianData(Tensor samples, string sampler, double varianceTolerance, double expectedVariance = S * S)
    {
        using var values = samples.to_type(ScalarType.Float64);
        double mean = values.mean().item<double>(), variance = values.var().item<double>();
        double meanError = 5 * S / Math.Sqrt(samples.numel());
        output.WriteLine($"{sampler}: mean {mean:F4} (want {Mu}), variance {variance:F4} (want {expectedVariance:F4}; data {S * S})");
        Assert.InRange(mean, Mu - meanError, Mu + meanError);
        Assert.InRange(variance, expectedVariance * (1 - varianceTolerance), expectedVariance * (1 + varianceTolerance));
    }

    [Theory]
    [InlineData(ReverseVariance.PosteriorVariance)]
    [InlineData(ReverseVariance.Beta)]
    public void Ddpm_with_the_optimal_denoiser_reproduces_the_data_distribution(ReverseVariance variance)
    {
        var sampler = new DdpmSampler(Process.WithReverseVariance(variance), clipX0: false);
        using var result = sampler.Sample(OptimalEps, [8000, 4], new Generator(1), CPU);
        AssertGaussianData(result.Images, $"DDPM {variance}", varianceTolerance: 0.04);
    }

    /// <summary>
    /// With few steps DDIM does not reproduce the variance exactly, and the shortfall is predictable: for Gaussian data one
    /// step from t (abar a) to s (abar b) maps x_t - sqrt(a) mu linearly, by c = (sqrt(ab) s^2 + sqrt((1-a)(1-b-sigma^2))) / v_a,
    /// and adds sigma^2 of fresh noise, where v_a = a s^2 + 1 - a. So Var(x_s) = c^2 Var(x_t) + sigma^2, which for eta = 0
    /// is at most v_b (Cauchy-Schwarz) with equality only in the limit of small steps.
    /// </summary>
    private static double PredictedDdimVariance(DdimSampler sampler, double startVariance)
    {
        double variance = startVariance;                                                         // of the x_T actually drawn
        var visited = sampler.Timesteps;
        for (int i = 0; i < visited.Count; i++)
        {
            double a = Schedule.AlphaBars[visited[i]], b = i + 1 < visited.Count ? Schedule.AlphaBars[visited[i + 1]] : 1.0;
            double sigma2 = Math.Pow(sampler.Eta, 2) * (1 - b) / (1 - a) * (1 - a / b);
            double c = (Math.Sqrt(a * b) * S * S + Math.Sqrt((1 - a) * Math.Max(1 - b - sigma2, 0))) / (a * S * S + 1 - a);
            variance = c * c * variance + sigma2;
        }
        return variance;
    }

    [Theory]
    [InlineData(1000, 0.0)]
    [InlineData(50, 0.0)]
    [InlineData(20, 0.0)]
    [InlineData(50, 1.0)]
    [InlineData(50, 0.0, Spacing.Trailing)]
    [InlineData(10, 0.0, Spacing.Trailing)]
    public void Ddim_with_the_optimal_denoiser_matches_the_exact_variance_recursion(int steps, double eta, Spacing spacing = Spacing.Even)
    {
        var sampler = new DdimSampler(Process, steps, eta, spacing: spacing);
        var generator = new Generator(2);
        using var xT = randn([8000, 4], generator: generator, dtype: ScalarType.Float64);
        using var result = sampler.Sample(OptimalEps, xT, generator);
        double predicted = PredictedDdimVariance(sampler, xT.var().item<double>());
        // eta = 0 is a deterministic linear map of this x_T: only the mean's sampling error remains. eta > 0 adds fresh noise.
        AssertGaussianData(result.Images, $"DDIM {steps} steps, eta {eta}", varianceTolerance: eta == 0 ? 0.005 : 0.04, expectedVariance: predicted);
        if (steps == 1000)
            Assert.InRange(PredictedDdimVariance(sampler, 1.0), S * S * 0.99, S * S * 1.01);   // many small steps: exact
    }

    /// <summary>
    /// For Gaussian data the probability flow ODE that DDIM and DPM-Solver++ integrate has a closed-form solution: it maps
    /// x_t to mu + s (x_t - sqrt(abar_t) mu) / sqrt(abar_t s^2 + 1 - abar_t), the monotone map between the two Gaussian
    /// marginals. Starting both samplers from the same x_T, their distance to that endpoint shows the order of each
    /// method: halving the step size should roughly halve DDIM's error (first order) and quarter DPM-Solver++(2M)'s.
    /// (A plain-Python transcription of both solvers gave the same errors: 20 steps DDIM 6.0e-2, DPM-Solver++ 7.3e-3 in the
    /// scale of x_T; with DDIM's even spacing DPM-Solver++ would be worse than DDIM, 1.1e-1.)
    /// </summary>
    private static double OdeError(IReadOnlyList<int> timesteps, Func<Tensor, SampleResult> sample)
    {
        using var xT = randn([4000, 4], generator: new Generator(4), dtype: ScalarType.Float64);
        double abar = Schedule.AlphaBars[timesteps[0]];
        using var exact = Mu + S * (xT - Math.Sqrt(abar) * Mu) / Math.Sqrt(abar * S * S + 1 - abar);
        using var result = sample(xT);
        return (result.Images - exact).abs().mean().item<double>();
    }

    [Fact]
    public void Dpm_solver_is_second_order_and_beats_ddim_at_equal_steps()
    {
        var ddim = new Dictionary<int, double>();
        var dpm = new Dictionary<int, double>();
        foreach (int steps in new[] { 10, 20, 40 })
        {
            var first = new DdimSampler(Process, steps);
            var second = new DpmSolverSampler(Process, steps);
            Assert.Equal(steps, second.Timesteps.Distinct().Count());
            Assert.Equal(0, second.Timesteps[^1]);
            ddim[steps] = OdeError(first.Timesteps, xT => first.Sample(OptimalEps, xT));
            dpm[steps] = OdeError(second.Timesteps, xT => second.Sample(OptimalEps, xT));
            output.WriteLine($"{steps,3} steps: mean |x0 - exact ODE solution|  DDIM {ddim[steps]:E2}  DPM-Solver++(2M) {dpm[steps]:E2}");
        }
        Assert.InRange(ddim[20] / ddim[40], 1.6, 2.6);                                          // first order
        Assert.InRange(dpm[20] / dpm[40], 3.0, 5.5);                                            // second order
        Assert.True(dpm[20] < ddim[20] / 5, "DPM-Solver++ should be far closer to the ODE solution than DDIM at 20 steps");
    }

    [Fact]
    public void Dpm_solver_steps_need_the_previous_prediction_after_the_first()
    {
        var sampler = new DpmSolverSampler(Process, 10);
        using var x = randn([3, 4]);
        using var eps = OptimalEps(x, full(3L, (long)sampler.Timesteps[1], dtype: ScalarType.Int64));
        var error = Assert.Throws<InvalidOperationException>(() => sampler.Step(eps, 1, x, generator: null));   // no step 0 before it
        Assert.Contains("Start every run at index 0", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverSampler(Process, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpmSolverSampler(Process, 1001));
    }

    /// <summary>What a perfect network of each kind outputs for the Gaussian data: eps, E[x_0 | x_t], or v = sqrt(abar) eps - sqrt(1 - abar) x_0.</summary>
    private static ModelOutput OptimalOutput(PredictionTarget target) => (xt, t) =>
    {
        var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);
        var eps = OptimalEps(xt, t);
        var x0 = (xt - (1 - abar).sqrt() * eps) / abar.sqrt();
        return target switch
        {
            PredictionTarget.Epsilon => eps,
            PredictionTarget.X0 => x0,
            _ => abar.sqrt() * eps - (1 - abar).sqrt() * x0,
        };
    };

    /// <summary>
    /// A model trained to output eps, x_0 or v samples the data distribution with every sampler, which reads its output
    /// through the model's process (DiffusionProcess.Interpret): DDPM reproduces the data, DDIM the exact
    /// variance recursion, DPM-Solver++ the closed-form ODE solution, each as closely as with the eps model.
    /// </summary>
    [Theory]
    [InlineData(PredictionTarget.Epsilon)]
    [InlineData(PredictionTarget.X0)]
    [InlineData(PredictionTarget.Velocity)]
    public void A_model_of_any_target_samples_correctly_with_every_sampler(PredictionTarget target)
    {
        var process = new DiffusionProcess(Schedule, target);
        var model = OptimalOutput(target);
        using (var ddpm = new DdpmSampler(process, clipX0: false).Sample(model, [8000, 4], new Generator(1), CPU))
            AssertGaussianData(ddpm.Images, $"{target}, DDPM", varianceTolerance: 0.04);

        var ddim = new DdimSampler(process, 50);
        using (var xT = randn([8000, 4], generator: new Generator(2), dtype: ScalarType.Float64))
        using (var result = ddim.Sample(model, xT))
            AssertGaussianData(result.Images, $"{target}, DDIM 50", varianceTolerance: 0.005, expectedVariance: PredictedDdimVariance(ddim, xT.var().item<double>()));

        var dpm = new DpmSolverSampler(process, 20);
        double error = OdeError(dpm.Timesteps, xT => dpm.Sample(model, xT));
        output.WriteLine($"{target}, DPM-Solver++ 20 steps: mean |x0 - exact ODE solution| {error:E2}");
        Assert.True(error < 1e-2, $"DPM-Solver++ with a {target} model is {error} from the ODE solution");
    }

    /// <summary>The loop a lesson writes by hand, against the common contract, gives what Sample gives; a multistep sampler resets per run.</summary>
    [Theory]
    [InlineData("ddpm")]
    [InlineData("ddim:20:eta=1")]
    [InlineData("dpm:10")]
    public void A_hand_written_loop_equals_Sample_and_runs_repeat(string spec)
    {
        var sampler = (SamplerSpec.Parse(spec) with { ClipX0 = false }).Create(Process);
        using var xT = randn([64, 4], generator: new Generator(6), dtype: ScalarType.Float64);
        var generator = new Generator(7);
        var x = xT.alias();
        for (int i = 0; i < sampler.Timesteps.Count; i++)
        {
            using var scope = NewDisposeScope();
            var time = full(64L, (long)sampler.Timesteps[i], dtype: ScalarType.Int64);           // [B]
            var next = sampler.Step(OptimalEps(x, time), i, x, generator).Previous;
            x.Dispose();
            x = next.MoveToOuterDisposeScope();
        }
        using (x)
        using (var first = sampler.Sample(OptimalEps, xT, new Generator(7)))
        using (var second = sampler.Sample(OptimalEps, xT, new Generator(7)))
        {
            Assert.True(first.Images.allclose(x, rtol: 0, atol: 1e-12), $"{spec}: the hand-written loop differs from Sample");
            Assert.True(second.Images.eq(first.Images).all().item<bool>(), $"{spec}: a second run differs from the first");
        }
    }

    [Fact]
    public void Sampler_specs_parse_name_and_create_every_sampler()
    {
        Assert.Equal(new SamplerSpec(SamplerKind.Ddim, 50, Eta: 1), SamplerSpec.Parse("ddim:50:eta=1"));
        Assert.Equal(new SamplerSpec(SamplerKind.DpmSolver, 20, Spacing: Spacing.Even), SamplerSpec.Parse(" DPM:20:spacing=even "));
        Assert.Equal(new SamplerSpec(SamplerKind.Ddpm), SamplerSpec.Parse("ddpm"));
        Assert.Equal(["ddpm", "ddim:50", "dpm:20"], SamplerSpec.ParseList("ddpm, ddim:50,dpm:20").Select(s => s.Text));
        Assert.Empty(SamplerSpec.ParseList("none"));
        Assert.Equal("ddim:50:eta=0.5", SamplerSpec.Parse("ddim:50:eta=0.5").Text);
        Assert.Equal("DDIM eta=0.5, 50 steps", SamplerSpec.Parse("ddim:50:eta=0.5").ToString());
        Assert.Contains("known: ddpm, ddim, dpm, euler, heun", Assert.Throws<FormatException>(() => SamplerSpec.Parse("lms:20")).Message);
        Assert.Contains("'fast'", Assert.Throws<FormatException>(() => SamplerSpec.Parse("ddim:fast")).Message);
        Assert.Contains("needs a step count", Assert.Throws<ArgumentException>(() => SamplerSpec.Parse("ddim").Create(Process)).Message);
        Assert.Contains("no eta", Assert.Throws<ArgumentException>(() => SamplerSpec.Parse("dpm:20:eta=1").Create(Process)).Message);
        foreach (var kind in Enum.GetValues<SamplerKind>())                                      // every kind is tagged and can be built
        {
            bool flowOnly = kind is SamplerKind.Euler or SamplerKind.Heun;                       // they integrate the flow's ODE
            var process = flowOnly ? new DiffusionProcess(NoiseSchedule.RectifiedFlow(), PredictionTarget.FlowVelocity) : Process;
            var sampler = new SamplerSpec(kind, kind == SamplerKind.Ddpm ? null : 10).Create(process);
            Assert.Equal(flowOnly ? 99 : 0, sampler.Timesteps[^1]);                               // trailing: the last step goes from 99 to x_0
        }
    }

    [Fact]
    public void A_sampler_choice_generates_in_batches_and_names_itself()
    {
        var choice = new SamplerSpec(SamplerKind.DpmSolver, 20);
        var reported = new List<int>();
        var batches = new List<(int First, int Size)>();
        var (images, secondsPerImage) = choice.Create(Process).Generate((first, size) => { batches.Add((first, size)); return OptimalEps; },
            count: 250, batchSize: 100, [4], new Generator(8), CPU, new SynchronousProgress(reported));
        using (images)
        {
            Assert.Equal(new long[] { 250, 4 }, images.shape);
            Assert.Equal(new[] { (0, 100), (100, 100), (200, 50) }, batches);
            Assert.Equal(new[] { 100, 200, 250 }, reported);
            Assert.True(secondsPerImage > 0);
            AssertGaussianData(images.to_type(ScalarType.Float64), choice.ToString(), varianceTolerance: 0.15);
        }
        Assert.Equal("DPM-Solver++(2M), 20 steps", choice.ToString());
        Assert.Equal("DDIM eta=1", new SamplerSpec(SamplerKind.Ddim, 50, Eta: 1).Name);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSpec(SamplerKind.Ddpm, 50).Create(Process));
        Assert.Contains("all 1000 steps", error.Message);
    }

    /// <summary>Progress&lt;T&gt; reports on the thread pool; tests want the values in order, now.</summary>
    private sealed class SynchronousProgress(List<int> values) : IProgress<int>
    {
        public void Report(int value) => values.Add(value);
    }

    /// <summary>
    /// Inversion evaluates the network at the point it leaves rather than the one it reaches, so it is exact only in the
    /// limit, with an error that falls like 1 / steps; measured here for Gaussian data (std 0.5): mean error 2.1e-2 at
    /// 100 steps, 2.2e-3 at 1000.
    /// </summary>
    [Theory]
    [InlineData(100, 3e-2)]
    [InlineData(1000, 3e-3)]
    public void Ddim_with_eta_zero_is_deterministic_and_its_inversion_round_trips(int steps, double meanErrorBound)
    {
        var sampler = new DdimSampler(Process, steps);
        var generator = new Generator(3);
        using var x0 = randn([256, 4], generator: generator, dtype: ScalarType.Float64) * S + Mu;
        using var xT = sampler.Invert(OptimalEps, x0);
        using var once = sampler.Sample(OptimalEps, xT);
        using var twice = sampler.Sample(OptimalEps, xT);
        Assert.True(once.Images.eq(twice.Images).all().item<bool>());
        using var error = (once.Images - x0).abs();
        double mean = error.mean().item<double>(), max = error.max().item<double>();
        output.WriteLine($"inversion round trip, {steps} steps: mean |x0' - x0| = {mean:E2}, max {max:E2}");
        Assert.True(mean < meanErrorBound, $"mean round-trip error {mean}");
        Assert.InRange(xT.var().item<double>(), 0.9, 1.1);                                      // the latents look like N(0, 1) noise
    }

    [Fact]
    public void The_last_DDPM_step_adds_no_noise_and_the_others_do()
    {
        var sampler = new DdpmSampler(Process);
        using var xt = randn(8, 1, 4, 4);
        using var eps = randn(8, 1, 4, 4);
        int lastIndex = sampler.Timesteps.Count - 1;                                           // t = 0
        var last1 = sampler.Step(eps, lastIndex, xt, new Generator(1));
        var last2 = sampler.Step(eps, lastIndex, xt, new Generator(2));
        Assert.True(last1.Previous.eq(last2.Previous).all().item<bool>());
        Assert.True(last1.Previous.eq(last1.PredictedX0).all().item<bool>());     // at t = 0 the mean is x0 itself
        var mid1 = sampler.Step(eps, 499, xt, new Generator(1));                               // t = 500
        var mid2 = sampler.Step(eps, 499, xt, new Generator(2));
        Assert.False(mid1.Previous.eq(mid2.Previous).all().item<bool>());
        Assert.Equal(Enumerable.Range(0, 1000).Reverse(), sampler.Timesteps);
    }

    [Fact]
    public void Ddim_visits_evenly_spaced_timesteps_down_to_zero_and_rejects_bad_counts()
    {
        Assert.Equal([980, 960, 940], new DdimSampler(Process, 50).Timesteps.Take(3));
        Assert.Equal(0, new DdimSampler(Process, 50).Timesteps[^1]);
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(Process, 0)).ParamName);
        Assert.Equal("steps", Assert.Throws<ArgumentOutOfRangeException>(() => new DdimSampler(Process, 1001)).ParamName);
    }

    [Fact]
    public void Trailing_spacing_starts_at_the_last_trained_timestep()
    {
        Assert.Equal([999, 979, 959], TimestepSpacing.Choose(Schedule, 50, Spacing.Trailing).Take(3));
        Assert.Equal(19, TimestepSpacing.Choose(Schedule, 50, Spacing.Trailing)[^1]);
        Assert.Equal([999, 899, 799, 699, 599, 499, 399, 299, 199, 99], TimestepSpacing.Choose(Schedule, 10, Spacing.Trailing));
        Assert.Equal(Enumerable.Range(0, 1000).Reverse(), TimestepSpacing.Choose(Schedule, 1000, Spacing.Trailing));
        Assert.Equal(Spacing.Trailing, SamplerSpec.Parse("ddim:50:spacing=trailing").Spacing);
    }
}
