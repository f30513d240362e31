using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Sampling batch after batch must not grow the process: glibc's heap kept the free memory of every run (resident grew
/// ~130 MB a batch of 250 until an evaluation was killed at 14 GB) until each run handed its free pages back.
/// </summary>
[Collection(nameof(RunsAlone))]
public class SamplingMemoryTests
{
    [Fact]
    public void Resident_memory_stays_flat_over_repeated_sampling_runs()
    {
        var model = TrainedModel.Load(Path.Combine(RepoPaths.Root, "models", "fashion-mnist-small.bin"), CPU);
        var sampler = SamplerSpec.Parse("ddim:3").Create(model.Process);
        void Run()
        {
            var (images, _) = sampler.Generate((_, _) => model.Output, 128, 128, model.ImageShape, new Generator(1), CPU);
            images.Dispose();
        }
        for (int i = 0; i < 2; i++)
            Run();
        double before = TrainerMemoryTests.ResidentMegabytes();
        for (int i = 0; i < 10; i++)
            Run();
        double after = TrainerMemoryTests.ResidentMegabytes();
        Assert.True(after < before + 100, $"resident memory grew from {before:F0} MB to {after:F0} MB over 10 runs");
    }
}
