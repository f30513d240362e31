using Diffusion.Models;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>`diffusion train` refuses a run it could not save or a network that cannot be built, and --width widens the preset.</summary>
public class TrainCommandTests
{
    [Fact]
    public void Train_without_out_is_refused_with_the_reason()
    {
        var (exitCode, errors) = CliProcess.RunForErrors(["train", "--steps", "1", "--preset", "tiny"]);
        Assert.Equal(1, exitCode);
        Assert.Equal("error: --out DIR is required: where the checkpoint, loss log and model go (e.g. --out out/runs/small).",
            errors.Trim());
    }

    [Fact]
    public void Width_sets_the_base_channels_of_the_preset_and_the_model_says_so()
    {
        using var folder = new TempFolder();
        string run = folder.File("wide");
        Assert.Equal(0, CliProcess.Run(["train", "--out", run, "--preset", "tiny", "--width", "24", "--steps", "2", "--batch", "8",
            "--max-images", "16", "--warmup", "1"]));
        var model = TrainedModel.Load(Path.Combine(run, "model.bin"), CPU);
        Assert.Equal(24, model.Network.Config.BaseChannels);
        Assert.Equal(UNetConfig.Tiny.ChannelMultipliers, model.Network.Config.ChannelMultipliers);
        Assert.StartsWith("UNet of base width 24, unconditional", model.Description);
    }

    [Fact]
    public void A_width_the_group_norm_cannot_split_is_refused_with_the_reason()
    {
        using var folder = new TempFolder();
        var (exitCode, errors) = CliProcess.RunForErrors(["train", "--out", folder.File("bad"), "--preset", "tiny", "--width", "6",
            "--steps", "1", "--max-images", "16"]);
        Assert.Equal(1, exitCode);
        Assert.Contains("--width 6 does not fit the Tiny preset: Every level's channel count must divide by NormGroups", errors);
        Assert.False(File.Exists(Path.Combine(folder.File("bad"), "checkpoint.bin")));
    }
}
