using Diffusion.Models;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>`diffusion showcase` writes the README's two pictures; here from untrained tiny models, for speed.</summary>
public class ShowcaseCommandTests
{
    [Fact]
    public void Writes_a_denoising_gif_and_one_row_of_samples_per_class()
    {
        using var folder = new TempFolder();
        foreach (var (file, classes) in new[] { ("plain.bin", 0), ("classes.bin", 10) })
        {
            manual_seed(0);
            using var trainer = new Trainer(new UNet(UNetConfig.Tiny with { NumClasses = classes }), TrainerTests.Quick, CPU, seed: 0);
            trainer.SaveModel(folder.File(file), "untrained tiny model for a test", TrainingData.FashionMnistImages);
        }
        Assert.Equal(0, CliProcess.Run(["showcase", "--model", folder.File("plain.bin"), "--conditional", folder.File("classes.bin"),
            "--out", folder.File("docs"), "--gif-sampler", "ddim:40", "--grid-sampler", "ddim:10:eta=1"]));

        using var grid = SixLabors.ImageSharp.Image.Load(folder.File("docs/samples.png"));
        using var gif = SixLabors.ImageSharp.Image.Load(folder.File("docs/denoising.gif"));
        Assert.InRange((double)grid.Height / grid.Width, 1.2, 1.3);                               // 10 rows of 8
        Assert.Equal(30, gif.Frames.Count);                                                        // 30 of the 41 states (x_T and 40 steps)
    }

    /// <summary>A flow-matching model gets its own ODE solvers by default, not DDPM's chain.</summary>
    [Fact]
    public void A_flow_model_is_shown_with_euler_and_heun_by_default()
    {
        using var folder = new TempFolder();
        manual_seed(0);
        var flow = TrainerTests.Quick with { Schedule = Diffusion.Ddpm.ScheduleKind.RectifiedFlow, Target = Diffusion.Ddpm.PredictionTarget.FlowVelocity };
        using (var trainer = new Trainer(new UNet(UNetConfig.Tiny), flow, CPU, seed: 0))
            trainer.SaveModel(folder.File("flow.bin"), "untrained tiny flow model for a test", TrainingData.FashionMnistImages);

        var (code, output) = CliProcess.RunForOutput(["showcase", "--model", folder.File("flow.bin"), "--out", folder.File("docs")]);

        Assert.Equal(0, code);
        Assert.Contains("denoising.gif: Euler, 100 steps", output);
        Assert.Contains("samples.png: Heun, 50 steps", output);
        using var gif = SixLabors.ImageSharp.Image.Load(folder.File("docs/denoising.gif"));
        Assert.Equal(30, gif.Frames.Count);
    }
}
