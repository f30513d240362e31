using Diffusion.Course;
using Diffusion.Ddpm;
using Diffusion.Display;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace DiffusionCli;

/// <summary>
/// diffusion showcase --model FILE [--conditional FILE] [--out docs] [--guidance 1.5] [--seed 0]
///                    [--gif-sampler ddpm] [--grid-sampler ddim:100:eta=1]
/// The pictures the README opens with, from the shipped models: OUT/denoising.gif, 16 images sampled by DDPM from pure
/// noise to garments (1000 steps, 30 frames), and OUT/samples.png, eight samples of each class in class order
/// (T-shirt/top, trouser, ..., ankle boot; one row each) from the class-conditional model with guidance (DDIM, eta = 1,
/// 100 steps), or an 8 x 8 grid from the unconditional model when no conditional one is given.
/// A flow-matching model (lesson 11) integrates its own ODE by default: Euler, 100 steps, for the GIF and Heun, 50 steps
/// (99 network evaluations), for the grid.
/// </summary>
public static class ShowcaseCommand
{
    public static int Run(Options options)
    {
        string modelPath = options.String("model", "");
        if (modelPath == "")
            throw new ArgumentException("--model FILE is required (e.g. models/fashion-mnist-small.bin).");
        string conditionalPath = options.String("conditional", "");
        string output = Path.GetFullPath(options.String("out", "docs"));
        double guidance = options.Double("guidance", ShippedModels.ConditionalGuidance);
        var generator = new Generator((ulong)options.Long("seed", 0));
        string gifText = options.String("gif-sampler", ""), gridText = options.String("grid-sampler", "");
        options.RejectUnknown();

        var device = TorchRuntime.BestDevice();
        var model = TrainedModel.Load(modelPath, device);
        bool flow = model.Process.Schedule.Kind == ScheduleKind.RectifiedFlow;
        var gifSampler = SamplerSpec.Parse(gifText != "" ? gifText : flow ? "euler:100" : "ddpm");
        var gridSampler = SamplerSpec.Parse(gridText != "" ? gridText : flow ? "heun:50" : "ddim:100:eta=1");
        Directory.CreateDirectory(output);
        var shape = model.ImageShape;                                                           // [C, H, W] it was trained on

        var denoiser = gifSampler.Create(model.Process);
        var progress = new ImmediateProgress<int>(done => Console.Write($"\rdenoising: {done}/{denoiser.Timesteps.Count} steps "));
        using (var run = denoiser.Sample(model.Output, [16, .. shape], generator, device, keepTrajectory: true, progress: progress))
            Animation.FromTrajectory(run.Trajectory, columns: 8, scale: 2, frames: 30).Save(Path.Combine(output, "denoising.gif"));
        Console.WriteLine($"\n{Path.Combine(output, "denoising.gif")}: {gifSampler}");

        var sampler = gridSampler.Create(model.Process);
        Tensor images;
        if (conditionalPath != "")
        {
            var conditional = TrainedModel.Load(conditionalPath, device);
            int classes = conditional.ClassCount;
            if (!conditional.ImageShape.SequenceEqual(shape))
                throw new ArgumentException($"--conditional makes images [{string.Join(", ", conditional.ImageShape)}], " +
                    $"--model [{string.Join(", ", shape)}]: give two models of the same images.");
            var guidedSampler = gridSampler.Create(conditional.Process);
            using var labels = arange(classes, dtype: ScalarType.Int64, device: device).repeat_interleave(8);    // [8K] 0 x 8, 1 x 8, ..
            using var result = guidedSampler.Sample(conditional.Guided(labels, guidance), [8 * classes, .. shape], generator, device);
            images = result.Images.cpu();
        }
        else
        {
            using var result = sampler.Sample(model.Output, [64, .. shape], generator, device);
            images = result.Images.cpu();
        }
        using (images)
            ImageGrid.From(images, columns: 8, scale: 3).Save(Path.Combine(output, "samples.png"));
        Console.WriteLine($"{Path.Combine(output, "samples.png")}: {gridSampler}");
        return 0;
    }
}
