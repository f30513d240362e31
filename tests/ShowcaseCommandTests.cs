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
}
