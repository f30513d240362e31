namespace Diffusion.Tests;

/// <summary>`diffusion train` refuses a run it could not save, before it loads any data or builds a network.</summary>
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
}
