using Diffusion.Applications;
using Diffusion.Ddpm;
using Diffusion.Sampling;
using TorchSharp;
using Xunit.Abstractions;
using static Diffusion.Tests.GaussianData;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Inpainting, interpolation and editing checked with models whose answers are known exactly (Gaussian data and its
/// optimal denoiser, GaussianData), so every assertion compares with a closed form.
/// </summary>
public class ApplicationsTests(ITestOutputHelper output)
{
    /// <summary>E[eps | x_t] for pixels drawn independently from N(mu, s^2) (<see cref="GaussianData"/>).</summary>
    private static Tensor IndependentPixels(Tensor xt, Tensor t) => OptimalEps(xt, t);

    /// <summary>
    /// E[eps | x_t] for images of two pixels that are always equal, x_0 = (u, u) with u ~ N(mu, s^2). Only the mean m of
    /// the two noisy pixels carries information about u: E[u | x_t] = mu + s^2 sqrt(abar) (m - sqrt(abar) mu) / (abar s^2 + (1 - abar) / 2).
    /// </summary>
    private static Tensor TwinPixels(Tensor xt, Tensor t)
    {
        var abar = NoiseSchedule.Extract(Schedule.AlphaBars, t, xt);                           // [B, 1, 1, 1]
        var m = xt.mean([2, 3], keepdim: true);                                                 // [B, 1, 1, 1]
        var u = Mu + S * S * abar.sqrt() * (m - abar.sqrt() * Mu) / (abar * S * S + (1 - abar) / 2);
        return (xt - abar.sqrt() * u) / (1 - abar).sqrt();                                     // [B, 1, 1, 2]
    }

    [Fact]
    public void Inpainting_keeps_the_known_pixels_exactly_and_fills_the_rest_from_the_data_distribution()
    {
        var generator = new Generator(1);
        using var image = randn([2000, 1, 4, 4], generator: generator, dtype: ScalarType.Float64) * S + Mu;
        using var mask = Masks.LeftHalf(4, 4);                                                  // columns 0, 1 known
        using var filled = Inpainting.Fill(new DdpmSampler(Process, clipX0: false), IndependentPixels, image, mask, generator);
        using var knownError = ((filled - image) * mask.to_type(ScalarType.Float64)).abs().max();
        Assert.Equal(0.0, knownError.item<double>());
        using var unknown = filled[.., .., .., 2..];                                           // independent of the known half
        double mean = unknown.mean().item<double>(), variance = unknown.var().item<double>();
        output.WriteLine($"filled pixels: mean {mean:F4} (want {Mu}), variance {variance:F4} (want {S * S})");
        Assert.InRange(mean, Mu - 0.02, Mu + 0.02);
        Assert.InRange(variance, S * S * 0.95, S * S * 1.05);
    }

    /// <summary>
    /// Two pixels that are always equal: knowing one, the right completion of the other is the same value. Plain
    /// replacement (r = 1) misses it by a good margin; RePaint's jumps back (r = 5) let the model harmonise the two.
    /// </summary>
    [Fact]
    public void Resampling_harmonises_the_filled_region_with_the_known_one()
    {
        var sampler = new DdimSampler(Process, 50, eta: 1.0);
        using var u = randn([2000, 1, 1, 1], generator: new Generator(2), dtype: ScalarType.Float64) * S + Mu;
        using var image = cat([u, u], 3);                                                       // [N, 1, 1, 2]
        using var mask = tensor(new double[] { 1, 0 }).reshape(1, 1, 1, 2);
        double Miss(int resampling)
        {
            using var filled = Inpainting.Fill(sampler, TwinPixels, image, mask, new Generator(3), resampling);
            return (filled[.., .., .., 1] - filled[.., .., .., 0]).abs().mean().item<double>();
        }
        double plain = Miss(1), harmonised = Miss(5);
        output.WriteLine($"mean |filled - known|: r = 1 {plain:F4}, r = 5 {harmonised:F4} (data std {S})");
        Assert.True(harmonised < 0.7 * plain, $"resampling should bring the twin pixels together: {plain} -> {harmonised}");
    }

    [Fact]
    public void The_seam_measure_reads_the_step_across_the_border()
    {
        using var mask = Masks.LeftHalf(4, 4);
        using var step = cat([zeros(1, 1, 4, 2), ones(1, 1, 4, 2)], 3);                        // 0 | 1
        using var flat = zeros(1, 1, 4, 4);
        Assert.Equal(1.0, Inpainting.SeamGradient(step, mask).item<float>(), 6);                // 4 pairs across, each 1 apart
        Assert.Equal(0.0, Inpainting.SeamGradient(flat, mask).item<float>(), 6);
        using var allKnown = ones(1, 1, 4, 4);
        Assert.Throws<ArgumentException>(() => Inpainting.SeamGradient(flat, allKnown));
    }

    [Fact]
    public void Masks_and_bad_requests()
    {
        using var square = Masks.CentreSquare(28, 28, 12);
        Assert.Equal(28 * 28 - 144, square.sum().item<float>());
        Assert.Equal(0f, square[0, 0, 14, 14].item<float>());
        using var random = Masks.RandomPixels(28, 28, 0.3, new Generator(4));
        Assert.InRange(random.mean().item<float>(), 0.25f, 0.35f);
        Assert.Throws<ArgumentOutOfRangeException>(() => Masks.CentreSquare(28, 28, 29));
        using var image = zeros(2, 1, 4, 4);
        using var mask = Masks.LeftHalf(4, 4);
        var dpm = new DpmSolverSampler(Process, 10);
        Assert.Contains("without memory", Assert.Throws<ArgumentException>(() => Inpainting.Fill(dpm, IndependentPixels, image, mask, new Generator(1), resampling: 2)).Message);
        using var wrongMask = ones(1, 1, 3, 3);
        Assert.Throws<ArgumentException>(() => Inpainting.Fill(dpm, IndependentPixels, image, wrongMask, new Generator(1)));
    }

    /// <summary>Two independent N(0, I) vectors of D = 784: the straight midpoint has norm about sqrt(D / 2), the spherical one about sqrt(D).</summary>
    [Fact]
    public void Slerp_keeps_the_norm_of_gaussian_noise_where_lerp_loses_it()
    {
        var generator = new Generator(5);
        using var a = randn([200, 1, 28, 28], generator: generator);
        using var b = randn([200, 1, 28, 28], generator: generator);
        Assert.True(Interpolation.Slerp(a, b, 0).allclose(a, rtol: 1e-5, atol: 1e-5));
        Assert.True(Interpolation.Slerp(a, b, 1).allclose(b, rtol: 1e-5, atol: 1e-5));
        double root = Math.Sqrt(784);
        using var slerpNorm = Interpolation.Slerp(a, b, 0.5).flatten(1).norm(1);
        using var lerpNorm = Interpolation.Lerp(a, b, 0.5).flatten(1).norm(1);
        output.WriteLine($"mean norm at w = 0.5: slerp {slerpNorm.mean().item<float>():F1}, lerp {lerpNorm.mean().item<float>():F1}; sqrt(D) = {root:F1}");
        Assert.InRange(slerpNorm.mean().item<float>(), 0.97 * root, 1.03 * root);
        Assert.InRange(lerpNorm.mean().item<float>(), 0.97 * root / Math.Sqrt(2), 1.03 * root / Math.Sqrt(2));
        Assert.True(Interpolation.Slerp(a, a, 0.3).allclose(a, rtol: 1e-5, atol: 1e-5));      // parallel: no division by zero
    }

    /// <summary>SDEdit from t = 0 gives the input back; from t = T - 1 the result forgets it (Gaussian data: correlation 0).</summary>
    [Theory]
    [InlineData("ddim:50")]
    [InlineData("dpm:20")]
    public void Editing_keeps_the_input_at_small_t_and_forgets_it_at_large_t(string spec)
    {
        var sampler = (SamplerSpec.Parse(spec) with { ClipX0 = false }).Create(Process);      // Gaussian data leaves [-1, 1]
        var generator = new Generator(6);
        using var image = randn([4000, 1, 1, 1], generator: generator) * S + Mu;
        using var kept = Editing.Edit(sampler, IndependentPixels, image, editTimestep: 0, generator);
        using var forgotten = Editing.Edit(sampler, IndependentPixels, image, editTimestep: 999, generator);
        double keptError = (kept - image).abs().mean().item<float>();
        double correlation = Correlation(forgotten, image);
        output.WriteLine($"{spec}: from t = 0 mean |edit - input| {keptError:E2}; from t = 999 correlation {correlation:F3}");
        Assert.True(keptError < 0.02, $"editing from t = 0 changed the image by {keptError}");
        Assert.InRange(correlation, -0.1, 0.1);
        Assert.Throws<ArgumentOutOfRangeException>(() => Editing.Edit(sampler, IndependentPixels, image, 1000, generator));
    }

    private static double Correlation(Tensor a, Tensor b)
    {
        using var x = a.flatten().to_type(ScalarType.Float64);
        using var y = b.flatten().to_type(ScalarType.Float64);
        using var dx = x - x.mean();
        using var dy = y - y.mean();
        return (dx * dy).sum().item<double>() / Math.Sqrt(dx.square().sum().item<double>() * dy.square().sum().item<double>());
    }
}
