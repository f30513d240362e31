using Diffusion.Ddpm;
using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Applications;

/// <summary>
/// RePaint (Lugmayr et al. 2022): fill the unknown part of an image with a model trained only to generate whole images.
/// The known pixels are never generated: at every level they are the real image noised to that level, and the model only
/// has to make the rest agree with them. For each visited step i, from t = Timesteps[i] to the next level s:
///
///   1. x_s(unknown) = the sampler's Step from x_t                                  (RePaint eq. 8, second line)
///   2. x_s(known)   = alpha_s x_0 + sigma_s z; x_0 itself after t = 0         (eq. 8, first line; Ho et al. eq. 4 with
///                     alpha_s = sqrt(abar_s), sigma_s = sqrt(1 - abar_s) when the schedule is variance preserving)
///   3. x_s          = m x_s(known) + (1 - m) x_s(unknown)                          (eq. 8, third line)
///   4. resampling (r &gt; 1): jump back, x_t = alpha_ts x_s + sigma_ts z with alpha_ts = alpha_t / alpha_s and
///      sigma_ts^2 = sigma_t^2 - alpha_ts^2 sigma_s^2 (sqrt(abar_t / abar_s) and 1 - abar_t / abar_s when variance
///      preserving), a sample of q(x_t | x_s), and repeat 1-3; r times in all     (sec. 4.2, jump length 1)
///
/// Step 3 pastes a known region that the model has not seen yet next to an unknown region generated without it; the
/// jump back lets the model see both and harmonise them, so the seam fades (RePaint, fig. 3). The last composition uses
/// x_0 itself, so the known pixels of the result are exactly the input's.
/// </summary>
public static class Inpainting
{
    /// <param name="model">An unconditional (or guided) model, as its sampler reads it.</param>
    /// <param name="image">The image to complete, in [-1, 1]; its unknown pixels are ignored. [B, C, H, W]</param>
    /// <param name="mask">1 where the image is known, 0 where it is to be filled; broadcasts against the image. [B or 1, 1 or C, H, W]</param>
    /// <param name="resampling">r above: 1 for plain replacement, about 5 to 10 for RePaint's harmonisation (r times the network calls).</param>
    /// <param name="progress">Receives the number of steps done.</param>
    /// <returns>The completed images, on the image's device. [B, C, H, W]</returns>
    public static Tensor Fill(Sampler sampler, ModelOutput model, Tensor image, Tensor mask, Generator generator,
        int resampling = 1, IProgress<int>? progress = null)
    {
        if (resampling < 1)
            throw new ArgumentOutOfRangeException(nameof(resampling), resampling, "Resample at least once (1 = no jumps back).");
        if (resampling > 1 && sampler.RemembersSteps)
            throw new ArgumentException("Jumping back needs a sampler without memory of earlier steps (DDPM or DDIM), not a multistep solver.", nameof(sampler));
        if (mask.dim() != image.dim() || !mask.shape.Zip(image.shape).All(p => p.First == p.Second || p.First == 1))
            throw new ArgumentException($"The mask [{string.Join(", ", mask.shape)}] must broadcast against the images [{string.Join(", ", image.shape)}].", nameof(mask));
        using var known = mask.to(image.dtype, image.device);                                  // m   [B or 1, 1, H, W]
        using var unknown = 1 - known;                                                         // 1 - m
        var x = randn(image.shape, dtype: image.dtype, generator: generator).to(image.device);  // x_T ~ N(0, I)   [B, C, H, W]
        var (alpha, sigma) = (sampler.Schedule.SignalScales, sampler.Schedule.NoiseScales);   // sqrt(abar), sqrt(1 - abar)
        for (int i = 0; i < sampler.Timesteps.Count; i++)
        {
            int t = sampler.Timesteps[i];
            bool last = i + 1 == sampler.Timesteps.Count;
            double alphaS = last ? 1.0 : alpha[sampler.Timesteps[i + 1]], sigmaS = last ? 0.0 : sigma[sampler.Timesteps[i + 1]];
            double alphaTs = alpha[t] / alphaS;                                                   // sqrt(abar_t / abar_s)
            double sigmaTs = Math.Sqrt(Math.Max(sigma[t] * sigma[t] - alphaTs * alphaTs * sigmaS * sigmaS, 0));   // sqrt(1 - abar_t / abar_s)
            for (int round = 0; round < resampling; round++)
            {
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                var time = full(x.shape[0], (long)t, dtype: ScalarType.Int64, device: x.device);            // [B]
                var generated = sampler.Step(model(x, time), i, x, generator).Previous;                     // step 1
                var noise = randn(image.shape, dtype: image.dtype, generator: generator).to(image.device);
                var knownAtS = alphaS * image + sigmaS * noise;                                            // step 2
                var composed = known * knownAtS + unknown * generated;                                     // step 3
                if (round + 1 < resampling)                                                                // step 4: back to level t
                {
                    var z = randn(image.shape, dtype: image.dtype, generator: generator).to(image.device);
                    composed = alphaTs * composed + sigmaTs * z;
                }
                x.Dispose();
                x = composed.MoveToOuterDisposeScope();
            }
            progress?.Report(i + 1);
        }
        return x;
    }

    /// <summary>
    /// How visible the seam is: the mean absolute difference between neighbouring pixels (left-right and up-down) of which
    /// exactly one is known. A completion that continues the known image smoothly scores about what the real image scores.
    /// </summary>
    /// <param name="images">[B, C, H, W]</param>
    /// <param name="mask">1 known, 0 filled. [B or 1, 1, H, W]</param>
    /// <returns>One value per image. [B]</returns>
    public static Tensor SeamGradient(Tensor images, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var m = mask.to(images.dtype, images.device).expand(images.shape[0], 1, images.shape[2], images.shape[3]);   // [B, 1, H, W]
        var across = new List<(Tensor Difference, Tensor Border)>
        {
            ((images[.., .., .., 1..] - images[.., .., .., ..^1]).abs(), (m[.., .., .., 1..] - m[.., .., .., ..^1]).abs()),   // left-right
            ((images[.., .., 1.., ..] - images[.., .., ..^1, ..]).abs(), (m[.., .., 1.., ..] - m[.., .., ..^1, ..]).abs()),   // up-down
        };
        var total = across.Select(p => (p.Difference * p.Border).sum([1, 2, 3])).Aggregate((a, b) => a + b);    // [B]
        var pairs = across.Select(p => p.Border.expand_as(p.Difference).sum([1, 2, 3])).Aggregate((a, b) => a + b);   // [B]
        if (pairs.eq(0).any().item<bool>())
            throw new ArgumentException("The mask has no border: every pixel is known, or none is.", nameof(mask));
        return (total / pairs).MoveToOuterDisposeScope();
    }
}
