using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// Classifier-free guidance (Ho and Salimans 2022): one network trained with labels that are sometimes dropped (replaced by
/// the null class) predicts both eps(x_t, t, y) and eps(x_t, t, null). At sampling time the two are mixed:
///
///   eps~ = eps(x_t, t, null) + s (eps(x_t, t, y) - eps(x_t, t, null))            (Ho and Salimans, eq. 6, with s = 1 + w)
///
/// s = 0 samples the unconditional model, s = 1 the conditional one, s &gt; 1 pushes further toward what makes the image
/// look like class y: samples become more typical and less diverse. The mix is taken of the network's raw outputs: eps,
/// x_0 and v are affine in one another at fixed x_t and t (<see cref="DiffusionProcess"/>), with weights that do not
/// depend on the output, so mixing v (or x_0) with weights summing to 1 is the same as mixing the eps they imply. The
/// result is an ordinary <see cref="ModelOutput"/>, so every sampler (DDPM, DDIM, DPM-Solver++) accepts it unchanged.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <param name="model">The raw output of a class-conditional network at (x_t, t, y) (Training.TrainedModel.Guided wraps it).</param>
    /// <param name="labels">The class wanted for each image of the batch. [B]</param>
    /// <param name="scale">s above; 0 unconditional, 1 conditional, typically 1 .. 5 for guided sampling.</param>
    /// <param name="nullClass">The label that means "no class" to <paramref name="model"/>.</param>
    public static ModelOutput Guide(ConditionalModelOutput model, Tensor labels, long nullClass, double scale)
    {
        if (double.IsNaN(scale) || double.IsInfinity(scale) || scale < 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "The guidance scale must be a finite number >= 0.");
        if (labels.dim() != 1)
            throw new ArgumentException($"Expected one label per image, shape [B]; got [{string.Join(", ", labels.shape)}].", nameof(labels));
        return (x, t) =>
        {
            if (x.shape[0] != labels.shape[0])
                throw new ArgumentException($"The batch has {x.shape[0]} images but {labels.shape[0]} labels were given.", nameof(labels));
            var wanted = labels.to(x.device);                                                    // [B]
            var none = full_like(wanted, nullClass);                                             // [B]
            if (scale == 1)
                return model(x, t, wanted);
            if (scale == 0)
                return model(x, t, none);
            using var scope = NewDisposeScope();
            var both = model(cat([x, x]), cat([t, t]), cat([wanted, none]));                    // one batch of 2B  [2B, C, H, W]
            var (conditional, unconditional) = (both.narrow(0, 0, x.shape[0]), both.narrow(0, x.shape[0], x.shape[0]));
            return (unconditional + scale * (conditional - unconditional)).MoveToOuterDisposeScope();
        };
    }
}
