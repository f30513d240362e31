using System.Diagnostics;
using Diffusion.Ddpm;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

public enum SamplerKind
{
    /// <summary>Ancestral sampling, Ho et al. 2020 (<see cref="DdpmSampler"/>); always all T steps.</summary>
    Ddpm,

    /// <summary>DDIM, Song et al. 2021 (<see cref="DdimSampler"/>), with its eta.</summary>
    Ddim,

    /// <summary>DPM-Solver++(2M), Lu et al. 2022 (<see cref="DpmSolverSampler"/>).</summary>
    DpmSolver,
}

/// <summary>
/// A sampler and its step count as one value, for comparing samplers in a table or a loop. Every sampler clips its
/// predicted x_0 to the data range [-1, 1] here, as the images are bounded.
/// </summary>
/// <param name="Eta">DDIM's eta: 0 deterministic, 1 as noisy as DDPM. Ignored by the other samplers.</param>
public sealed record SamplerChoice(SamplerKind Kind, int Steps, double Eta = 0.0)
{
    /// <summary>The sampler's name for tables and legends: "DDPM", "DDIM", "DDIM eta=1", "DPM-Solver++(2M)".</summary>
    public string Name => Kind switch
    {
        SamplerKind.Ddpm => "DDPM",
        SamplerKind.Ddim => Eta == 0 ? "DDIM" : $"DDIM eta={Eta.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)}",
        SamplerKind.DpmSolver => "DPM-Solver++(2M)",
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown sampler."),
    };

    public override string ToString() => $"{Name}, {Steps} steps";

    /// <summary>Runs the sampler from <paramref name="xT"/>; the generator supplies any fresh noise.</summary>
    public SampleResult Sample(NoisePredictor model, NoiseSchedule schedule, Tensor xT, Generator generator) => Kind switch
    {
        SamplerKind.Ddpm when Steps != schedule.Steps =>
            throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"DDPM always takes all {schedule.Steps} steps; use DDIM or DPM-Solver++ for fewer."),
        SamplerKind.Ddpm => new DdpmSampler(schedule).Sample(model, xT, generator),
        SamplerKind.Ddim => new DdimSampler(schedule, Steps, Eta, clipX0: true).Sample(model, xT, generator),
        SamplerKind.DpmSolver => new DpmSolverSampler(schedule, Steps, clipX0: true).Sample(model, xT),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "Unknown sampler."),
    };

    /// <summary>
    /// Draws <paramref name="count"/> images in batches, each from fresh x_T ~ N(0, I), and times it. Images are returned
    /// on the CPU. <paramref name="progress"/> receives the number of images finished after each batch.
    /// </summary>
    /// <param name="modelForBatch">The noise predictor for the images first .. first + size - 1 (e.g. with their labels).</param>
    public (Tensor Images, double SecondsPerImage) Generate(Func<int, int, NoisePredictor> modelForBatch, NoiseSchedule schedule,
        int count, int batchSize, long[] imageShape, Generator generator, Device device, IProgress<int>? progress = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Need at least one image.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        var batches = new List<Tensor>();
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < count; first += batchSize)
        {
            int size = Math.Min(batchSize, count - first);
            using var scope = NewDisposeScope();
            var xT = randn([size, .. imageShape], generator: generator).to(device);            // [b, C, H, W]
            using var result = Sample(modelForBatch(first, size), schedule, xT, generator);
            batches.Add(result.Images.cpu().MoveToOuterDisposeScope());
            progress?.Report(first + size);
        }
        double seconds = clock.Elapsed.TotalSeconds;
        var images = cat(batches);                                                             // [N, C, H, W]
        foreach (var batch in batches)
            batch.Dispose();
        return (images, seconds / count);
    }
}
