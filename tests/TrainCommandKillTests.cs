using System.Diagnostics;
using System.Globalization;
using Diffusion.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// `diffusion train` killed with SIGKILL (no handler runs, no cleanup) must lose at most one checkpoint interval and never
/// load a half-written file: first killed the moment a checkpoint's temp file appears (mid-write), then at a random
/// step, then resumed to the end. The loss log of the interrupted run must equal an uninterrupted run's, line for line.
/// </summary>
[Collection(nameof(RunsAlone))]
public class TrainCommandKillTests(ITestOutputHelper output)
{
    private const int Every = 4, Total = 40;

    private static string[] Train(string folder, bool resume) => resume
        ? ["train", "--out", folder, "--resume", "--steps", $"{Total}", "--checkpoint-every", $"{Every}", "--max-images", "160"]
        : ["train", "--out", folder, "--steps", $"{Total}", "--checkpoint-every", $"{Every}", "--preset", "tiny", "--batch", "16",
           "--max-images", "160", "--warmup", "2"];

    [Fact]
    public void A_run_killed_with_SIGKILL_resumes_losing_at_most_one_checkpoint_interval()
    {
        using var folder = new TempFolder();
        string interrupted = folder.File("interrupted"), straight = folder.File("straight");
        Directory.CreateDirectory(interrupted);

        // 1. Killed while writing its second checkpoint (the first leaves a valid checkpoint behind).
        int tempFiles = 0;
        using (var process = CliProcess.Start(Train(interrupted, resume: false)))
        using (var watcher = new FileSystemWatcher(interrupted, "checkpoint.bin.*.tmp"))
        {
            watcher.Created += (_, _) =>
            {
                if (Interlocked.Increment(ref tempFiles) == 2)
                    process.Kill();                                                          // SIGKILL on Linux
            };
            watcher.EnableRaisingEvents = true;
            Assert.True(process.WaitForExit(120_000), "the first run did not stop");
            Assert.NotEqual(0, process.ExitCode);
        }
        AssertLosesAtMostOneInterval(interrupted, "killed mid-write");

        // 2. Resumed, then killed again at a random moment after it has made progress.
        using (var process = CliProcess.Start(Train(interrupted, resume: true)))
        {
            long resumedAt = CheckpointStep(interrupted);
            var clock = Stopwatch.StartNew();
            while (LoggedSteps(interrupted).LastOrDefault() < resumedAt + Every + Random.Shared.Next(1, Every) && !process.HasExited
                   && clock.Elapsed < TimeSpan.FromSeconds(120))
                Thread.Sleep(5);
            if (!process.HasExited)
                process.Kill();
            process.WaitForExit();
        }
        AssertLosesAtMostOneInterval(interrupted, "killed at a random step");

        // 3. Resumed to the end; compared with a run that was never interrupted.
        Assert.Equal(0, CliProcess.Run(Train(interrupted, resume: true)));
        Assert.Equal(0, CliProcess.Run(Train(straight, resume: false)));
        Assert.Empty(Directory.GetFiles(interrupted, "*.tmp"));
        Assert.Equal(Enumerable.Range(1, Total).Select(i => (long)i), LoggedSteps(interrupted));
        Assert.Equal(File.ReadAllLines(Path.Combine(straight, "loss.csv")), File.ReadAllLines(Path.Combine(interrupted, "loss.csv")));
        var model = TrainedModel.Load(Path.Combine(interrupted, "model.bin"), CPU);
        Assert.Contains($"{Total} steps = {Total * 16} images", model.Description);
    }

    /// <summary>The checkpoint on disk loads (it is whole) and is at most one interval behind the last step the run logged.</summary>
    private void AssertLosesAtMostOneInterval(string folder, string what)
    {
        long checkpoint = CheckpointStep(folder);
        long logged = LoggedSteps(folder).LastOrDefault();
        output.WriteLine($"{what}: checkpoint at step {checkpoint}, log reached step {logged}, temp files left: {Directory.GetFiles(folder, "*.tmp").Length}");
        Assert.Equal(0, checkpoint % Every);
        Assert.True(checkpoint >= Every, $"{what}: no checkpoint survived");
        Assert.True(logged - checkpoint <= Every, $"{what}: the checkpoint (step {checkpoint}) is more than {Every} steps behind step {logged}");
    }

    private static long CheckpointStep(string folder)
    {
        using var trainer = Trainer.Resume(Path.Combine(folder, "checkpoint.bin"), CPU);        // throws on a half-written file
        return trainer.Step;
    }

    private static List<long> LoggedSteps(string folder)
    {
        string log = Path.Combine(folder, "loss.csv");
        if (!File.Exists(log))
            return [];
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        return reader.ReadToEnd().Split('\n').Skip(1).Where(line => line.Contains(','))
            .Select(line => long.Parse(line.Split(',')[0], CultureInfo.InvariantCulture)).ToList();
    }
}
