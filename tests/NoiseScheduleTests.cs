using Diffusion.Ddpm;

namespace Diffusion.Tests;

public class NoiseScheduleTests
{
    [Fact]
    public void Linear_T1000_has_Ho_endpoints_and_diffusers_posterior_variances()
    {
        var s = NoiseSchedule.Linear();
        Assert.Equal(1000, s.Steps);
        Assert.Equal(1e-4, s.Betas[0], 12);
        Assert.Equal(0.02, s.Betas[999], 12);
        // diffusers' DDPMScheduler(variance_type="fixed_small") values for the same schedule:
        Assert.Equal(0.0, s.PosteriorVariance[0], 12);
        Assert.Equal(0.00979, s.PosteriorVariance[487], 4);
        Assert.Equal(0.02, s.PosteriorVariance[999], 4);
        // Known: after 1000 linear steps almost no signal is left, abar_T ~ 4.04e-5 (sqrt ~ 0.0064).
        Assert.InRange(s.AlphaBars[999], 4.0e-5, 4.1e-5);
    }

    [Fact]
    public void Alpha_bar_is_the_product_of_alphas_computed_in_log_space()
    {
        var s = NoiseSchedule.Linear();
        double logSum = 0;
        for (int t = 0; t < s.Steps; t++)
        {
            logSum += Math.Log(1 - s.Betas[t]);
            Assert.Equal(Math.Exp(logSum), s.AlphaBars[t], 12);
        }
    }

    [Fact]
    public void Cosine_alpha_bar_follows_the_squared_cosine_until_the_beta_cap()
    {
        const double offset = 0.008;
        var s = NoiseSchedule.Cosine(1000);
        double F(double t) => Math.Pow(Math.Cos((t / 1000 + offset) / (1 + offset) * Math.PI / 2), 2);
        for (int t = 0; t < 999; t++)                                  // the last beta is capped
            Assert.Equal(F(t + 1) / F(0), s.AlphaBars[t], 9);
        Assert.Equal(0.999, s.Betas[999], 12);
        Assert.Equal(0.999, s.Betas.Max(), 12);
    }

    [Theory]
    [InlineData(ScheduleKind.Linear)]
    [InlineData(ScheduleKind.Cosine)]
    [InlineData(ScheduleKind.Sigmoid)]
    [InlineData(ScheduleKind.ScaledLinear)]
    public void Every_schedule_trades_signal_for_noise_monotonically(ScheduleKind kind)
    {
        var s = NoiseSchedule.Create(kind, 200);
        Assert.Equal(kind, s.Kind);
        for (int t = 0; t < s.Steps; t++)
        {
            Assert.Equal(1.0, s.SqrtAlphaBars[t] * s.SqrtAlphaBars[t] + s.SqrtOneMinusAlphaBars[t] * s.SqrtOneMinusAlphaBars[t], 12);
            Assert.Equal(Math.Log(s.AlphaBars[t] / (1 - s.AlphaBars[t])), s.LogSnr[t], 9);
            if (t > 0)
                Assert.True(s.Snr[t] < s.Snr[t - 1], $"SNR must fall at t = {t}");
        }
    }

    [Fact]
    public void Sigmoid_and_scaled_linear_hit_their_published_ends()
    {
        var sigmoid = NoiseSchedule.Sigmoid(1000);
        Assert.Equal(1e-4 + (0.02 - 1e-4) / (1 + Math.Exp(6)), sigmoid.Betas[0], 12);
        Assert.Equal(1e-4 + (0.02 - 1e-4) / (1 + Math.Exp(-6)), sigmoid.Betas[999], 12);
        var scaled = NoiseSchedule.ScaledLinear(1000);
        Assert.Equal(0.00085, scaled.Betas[0], 12);
        Assert.Equal(0.012, scaled.Betas[999], 12);
        Assert.Equal(Math.Pow((Math.Sqrt(0.00085) + Math.Sqrt(0.012)) / 2, 2), (scaled.Betas[499] + scaled.Betas[500]) / 2, 6);
    }

    [Fact]
    public void Clipped_log_variance_replaces_the_zero_at_t0()
    {
        var s = NoiseSchedule.Linear(100);
        Assert.Equal(Math.Log(s.PosteriorVariance[1]), s.PosteriorLogVarianceClipped[0], 12);
        Assert.Equal(Math.Log(s.PosteriorVariance[50]), s.PosteriorLogVarianceClipped[50], 12);
    }

    [Theory]
    [InlineData("steps")]
    [InlineData("betaStart")]
    [InlineData("betaEnd")]
    [InlineData("betas")]
    [InlineData("maxBeta")]
    [InlineData("offset")]
    public void Invalid_input_names_the_parameter(string parameter)
    {
        Action make = parameter switch
        {
            "steps" => () => NoiseSchedule.Linear(0),
            "betaStart" => () => NoiseSchedule.Linear(10, betaStart: 0.5, betaEnd: 0.1),
            "betaEnd" => () => NoiseSchedule.ScaledLinear(10, betaEnd: 1.5),
            "betas" => () => NoiseSchedule.FromBetas([0.1, 0.0, 0.2]),
            "maxBeta" => () => NoiseSchedule.Cosine(10, maxBeta: 1.0),
            "offset" => () => NoiseSchedule.Cosine(10, offset: -1),
            _ => throw new ArgumentException(parameter),
        };
        var error = Assert.ThrowsAny<ArgumentException>(make);
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Any_T_works_including_one_step()
    {
        var one = NoiseSchedule.Linear(1, betaStart: 0.5, betaEnd: 0.5);
        Assert.Equal(0.5, one.AlphaBars[0], 12);
        Assert.Equal(0.0, one.PosteriorVariance[0], 12);
        Assert.Equal(37, NoiseSchedule.Cosine(37).Steps);
    }

    /// <summary>A table is uploaded to a device once and then reused; gathering picks values[t] per sample in the caller's dtype.</summary>
    [Fact]
    public void Schedule_tables_are_uploaded_once_and_gather_per_sample()
    {
        var schedule = NoiseSchedule.Linear();
        using var like = TorchSharp.torch.zeros(3, 1, 2, 2);                                    // float32
        using var t = TorchSharp.torch.tensor(new long[] { 0, 500, 999 });
        var first = schedule.SqrtAlphaBars.OnDevice(like.device, like.dtype);
        Assert.Same(first, schedule.SqrtAlphaBars.OnDevice(like.device, like.dtype));
        using (TorchSharp.torch.NewDisposeScope())
            schedule.SqrtAlphaBars.Gather(t, like).Dispose();                                   // a caller's scope must not free the cache
        Assert.Equal((float)Math.Sqrt(schedule.AlphaBars[500]), first[500].item<float>());       // still alive
        using var gathered = schedule.SqrtAlphaBars.Gather(t, like);
        Assert.Equal([3L, 1, 1, 1], gathered.shape);
        Assert.Equal(TorchSharp.torch.ScalarType.Float32, gathered.dtype);
        Assert.Equal((float)Math.Sqrt(schedule.AlphaBars[500]), gathered[1].item<float>());
        Assert.IsAssignableFrom<IReadOnlyList<double>>(schedule.Betas);                       // read-only: no setter, no array
    }
}
