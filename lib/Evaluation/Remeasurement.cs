using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// One stored sampler row measured again: a fresh draw of as many images, set beside the stored draws of the same spec.
/// Draws of 1,000 images differ by several units (the spread the stored draws show), so a new draw is expected within
/// 0.9 x the lowest .. 1.1 x the highest stored value; outside it, the model, the sampler or the judge is not the one the
/// file measured, and <see cref="Of"/> says so.
/// </summary>
/// <param name="Spec">The sampler as <see cref="SamplerSpec.Parse"/> reads it, e.g. "dpm:20".</param>
/// <param name="Distance">The new draw's Frechet distance to the judge's reference images.</param>
/// <param name="StoredDraws">How many draws of <paramref name="Spec"/> the stored run holds.</param>
/// <param name="LowestStored">The lowest of the stored draws' distances for <paramref name="Spec"/>.</param>
/// <param name="HighestStored">The highest of them.</param>
/// <param name="SecondsPerImage">Wall time per image of the new draw, on this machine.</param>
public sealed record Remeasurement(string Spec, int Images, double Distance, int StoredDraws, double LowestStored, double HighestStored,
    double SecondsPerImage)
{
    /// <summary>How far outside the stored range a new draw may land: 10 % below the lowest, 10 % above the highest.</summary>
    public const double Tolerance = 0.1;

    /// <summary>
    /// Draws the images of <paramref name="run"/>'s rows for <paramref name="spec"/> once more from
    /// <paramref name="model"/> (unconditional, as many images as the rows) and measures them with the same judge.
    /// </summary>
    /// <exception cref="ArgumentException">The run has no row for <paramref name="spec"/>.</exception>
    /// <exception cref="InvalidDataException">The new distance falls outside the stored draws' range and its tolerance.</exception>
    public static Remeasurement Of(EvaluationRun run, string spec, TrainedModel model, ClassifierFrechetDistance judge,
        Generator generator, Device device, int batchSize = 250, IProgress<int>? progress = null)
    {
        var rows = run.Samplers.Where(r => r.Spec == spec).ToList();
        if (rows.Count == 0)
            throw new ArgumentException($"The stored run has no rows for '{spec}' (it has: " +
                $"{string.Join(", ", run.Samplers.Select(r => r.Spec).Distinct())}).", nameof(spec));
        int images = rows[0].Images;
        var sampler = SamplerSpec.Parse(spec).Create(model.Process);
        var (drawn, secondsPerImage) = sampler.Generate((_, _) => model.Output, images, batchSize, model.ImageShape,
            generator, device, progress);                                                     // [N, C, H, W]
        double distance;
        using (drawn)
            distance = judge.To(drawn);
        var result = new Remeasurement(spec, images, distance, rows.Count, rows.Min(r => r.FrechetDistance),
            rows.Max(r => r.FrechetDistance), secondsPerImage);
        if (distance < (1 - Tolerance) * result.LowestStored || distance > (1 + Tolerance) * result.HighestStored)
            throw new InvalidDataException($"{spec}, {images} images, measured again: {distance:F2}; the {rows.Count} stored " +
                $"draws span {result.LowestStored:F2} to {result.HighestStored:F2}. Not the model, sampler or judge the file measured.");
        return result;
    }
}
