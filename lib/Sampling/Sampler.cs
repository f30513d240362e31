using System.Diagnostics;
using Diffusion.Ddpm;
using Diffusion.Runtime;
using static TorchSharp.torch;

namespace Diffusion.Sampling;

/// <summary>
/// What every sampler is, in the shape of diffusers' schedulers: the code timesteps it visits (highest first, ending at
/// 0) and one <see cref="Step"/> from x at the i-th of them to the next, given the model's raw output there (eps, x_0 or
/// v: the sampler's <see cref="DiffusionProcess"/> reads it, once per step). The denoising loop is yours to write:
/// <code>
/// var x = xT;                                                      // [B, C, H, W] ~ N(0, I)
/// for (int i = 0; i &lt; sampler.Timesteps.Count; i++)
///     x = sampler.Step(model(x, full(B, sampler.Timesteps[i])), i, x, generator).Previous;
/// </code>
/// or <see cref="Sample(ModelOutput, Tensor, Generator?, bool, IProgress{int}?)"/> runs exactly that loop. A sampler
/// that remembers earlier steps (a multistep solver) keeps that state itself: a run starts at index 0, which clears it,
/// and takes the steps in order.
/// </summary>
public abstract class Sampler
{
    protected Sampler(DiffusionProcess process) => Process = process;

    /// <summary>The process the model was trained on: its schedule, and how to read the model's output.</summary>
    public DiffusionProcess Process { get; }

    public NoiseSchedule Schedule => Process.Schedule;

    /// <summary>The code timesteps visited, highest first (ending at 0 unless the spacing is Trailing).</summary>
    public abstract IReadOnlyList<int> Timesteps { get; }

    /// <summary>
    /// One step from x_t at the <paramref name="index"/>-th visited timestep to the next (lower) one.
    /// </summary>
    /// <param name="output">The model's raw output at x_t and Timesteps[index] (eps, x_0 or v). [B, C, H, W]</param>
    /// <param name="xt">The current sample. [B, C, H, W]</param>
    /// <param name="generator">Fresh noise for stochastic samplers; deterministic ones ignore it.</param>
    public SamplerStep Step(Tensor output, int index, Tensor xt, Generator? generator)
    {
        if (index < 0 || index >= Timesteps.Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"This sampler visits {Timesteps.Count} timesteps: index 0 .. {Timesteps.Count - 1}.");
        if (!output.shape.SequenceEqual(xt.shape))
            throw new ArgumentException($"The model's output is [{string.Join(", ", output.shape)}] but x_t is [{string.Join(", ", xt.shape)}].", nameof(output));
        return TakeStep(output, index, xt, generator);
    }

    /// <summary>The sampler's own step; index and shapes are already checked.</summary>
    protected abstract SamplerStep TakeStep(Tensor output, int index, Tensor xt, Generator? generator);

    /// <summary>True for a multistep solver, whose steps depend on the steps before them: it cannot jump back or skip.</summary>
    public virtual bool RemembersSteps => false;

    /// <summary>Called by Sample and SampleFrom before their first step: a sampler with memory clears it here.</summary>
    protected virtual void BeginRun(int startIndex)
    {
    }

    /// <summary>Runs every step from <paramref name="xT"/>; <paramref name="keepTrajectory"/> keeps x before each step and the result (on the CPU).</summary>
    /// <param name="progress">Receives the number of steps done after each step.</param>
    public SampleResult Sample(ModelOutput model, Tensor xT, Generator? generator = null, bool keepTrajectory = false, IProgress<int>? progress = null) =>
        SampleFrom(0, model, xT, generator, keepTrajectory, progress);

    /// <summary>
    /// Runs the steps <paramref name="startIndex"/> .. last from <paramref name="xt"/>, a sample at Timesteps[startIndex]
    /// (e.g. a real image noised to that level, as in SDEdit). <paramref name="progress"/> counts the steps taken.
    /// </summary>
    public SampleResult SampleFrom(int startIndex, ModelOutput model, Tensor xt, Generator? generator = null, bool keepTrajectory = false,
        IProgress<int>? progress = null)
    {
        if (startIndex < 0 || startIndex >= Timesteps.Count)
            throw new ArgumentOutOfRangeException(nameof(startIndex), startIndex, $"This sampler visits {Timesteps.Count} timesteps: index 0 .. {Timesteps.Count - 1}.");
        BeginRun(startIndex);
        var x = xt.alias();
        var trajectory = new List<Tensor>();
        if (keepTrajectory)
            trajectory.Add(x.cpu());
        for (int i = startIndex; i < Timesteps.Count; i++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var time = full(x.shape[0], (long)Timesteps[i], dtype: ScalarType.Int64, device: x.device);   // [B]
            var next = Step(model(x, time), i, x, generator);
            x.Dispose();
            x = next.Previous.MoveToOuterDisposeScope();
            if (keepTrajectory)
                trajectory.Add(x.cpu().MoveToOuterDisposeScope());
            progress?.Report(i + 1 - startIndex);
        }
        NativeMemory.ReturnFreePages();                  // a run leaves free heap behind that the next one does not reuse
        return new SampleResult(x, trajectory);
    }

    /// <summary>Runs every step from fresh noise x_T ~ N(0, I) of the given shape, drawn from <paramref name="generator"/>.</summary>
    public SampleResult Sample(ModelOutput model, long[] shape, Generator generator, Device device, bool keepTrajectory = false,
        IProgress<int>? progress = null)
    {
        using var xT = randn(shape, generator: generator).to(device);                          // x_T ~ N(0, I)
        return Sample(model, xT, generator, keepTrajectory, progress);
    }

    /// <summary>
    /// Draws <paramref name="count"/> images in batches, each from fresh x_T ~ N(0, I), and times it. Images are returned
    /// on the CPU. <paramref name="progress"/> receives the number of images finished after each batch.
    /// </summary>
    /// <param name="modelForBatch">The model for the images first .. first + size - 1 (e.g. with their labels).</param>
    /// <param name="imageShape">[C, H, W] of one image: the model's ImageShape, the images it was trained on.</param>
    public (Tensor Images, double SecondsPerImage) Generate(Func<int, int, ModelOutput> modelForBatch, int count, int batchSize,
        long[] imageShape, Generator generator, Device device, IProgress<int>? progress = null)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Need at least one image.");
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "Batch size must be at least 1.");
        var batches = new List<Tensor>();
        var clock = Stopwatch.StartNew();
        for (int first = 0; first < count; first += batchSize)
        {
            int size = Math.Min(batchSize, count - first);
            using var scope = NewDisposeScope();
            using var result = Sample(modelForBatch(first, size), [size, .. imageShape], generator, device);   // [b, C, H, W]
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
