using Diffusion.Ddpm;
using Diffusion.Sampling;
using static TorchSharp.torch;

namespace Diffusion.Applications;

/// <summary>
/// SDEdit (Meng et al. 2022): edit a real image by noising it part of the way and letting a model denoise it. Noise at
/// level t destroys the details and keeps the coarse layout; the model then fills the details in with what it believes,
/// here a class-conditional model guided toward another class. Small t keeps the input, large t obeys the model:
///
///   1. i  = the first visited step with Timesteps[i] &lt;= t_edit; t = Timesteps[i]
///   2. x_t = sqrt(abar_t) x_0 + sqrt(1 - abar_t) eps,  eps ~ N(0, I)                   (Ho et al. eq. 4; SDEdit Algorithm 1)
///   3. run the sampler's steps i, i + 1, .. from x_t                                   (the reverse SDE or ODE)
/// </summary>
public static class Editing
{
    /// <param name="image">Real images in [-1, 1]. [B, C, H, W]</param>
    /// <param name="editTimestep">t_edit: 0 returns (nearly) the input, T - 1 ignores it.</param>
    /// <returns>The edited images. [B, C, H, W]</returns>
    public static Tensor Edit(Sampler sampler, ModelOutput model, Tensor image, int editTimestep, Generator generator)
    {
        if (editTimestep < 0 || editTimestep >= sampler.Schedule.Steps)
            throw new ArgumentOutOfRangeException(nameof(editTimestep), editTimestep, $"Must lie in 0 .. {sampler.Schedule.Steps - 1}.");
        int start = sampler.Timesteps.Select((t, i) => (t, i)).First(p => p.t <= editTimestep).i;       // step 1 (the last visited is 0)
        using var eps = randn(image.shape, dtype: image.dtype, generator: generator).to(image.device);
        using var time = tensor((long)sampler.Timesteps[start]);
        using var xt = sampler.Process.AddNoise(image, eps, time);               // step 2   [B, C, H, W]
        using var result = sampler.SampleFrom(start, model, xt, generator);                        // step 3
        return result.Images.alias();
    }
}
