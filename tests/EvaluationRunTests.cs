using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>The stored form of `diffusion evaluate` (lesson 09 reads it): written by the command, read back by EvaluationRun.</summary>
public class EvaluationRunTests
{
    [Fact]
    public void Rows_read_back_as_written()
    {
        using var folder = new TempFolder();
        EvaluationRow[] rows =
        [
            new(EvaluationRow.FloorName, "", 0, 6.479, 0.9512, 1.0, 0, 1000),
            new("DDIM eta=1", "ddim:50:eta=1", 50, 12.3456, 0.97, 0.812, 0.1513, 1000),
        ];
        File.WriteAllLines(folder.File("run.csv"), ["# command: diffusion evaluate", EvaluationRun.Header, .. rows.Select(r => r.ToCsv())]);

        var run = EvaluationRun.Read(folder.File("run.csv"));

        Assert.Equal(["command: diffusion evaluate"], run.Notes);
        Assert.Equal(rows[0], run.Floor);
        Assert.Equal(rows[1] with { FrechetDistance = 12.346 }, Assert.Single(run.Samplers));   // three decimals on disk
    }

    /// <summary>DDPM measured in a run of its own joins the main run: same model, same floors per draw.</summary>
    [Fact]
    public void A_run_of_the_same_model_and_floors_joins_another()
    {
        static EvaluationRun Run(string model, string spec, params double[] floors) => new(
            ["command: diffusion evaluate --samplers " + spec, EvaluationRun.ModelNote("m.bin", model)],
            [.. floors.SelectMany((floor, i) => new EvaluationRow[]
            {
                new(EvaluationRow.FloorName, "", 0, floor, null, null, 0, 1000, Draw: i + 1),
                new(spec, spec, 20, 10 + i, null, null, 0.1, 1000, Draw: i + 1),
            })]);
        var main = Run("Small UNet", "dpm:20", 6.479, 8.184, 6.252);

        var joined = main.Joined(Run("Small UNet", "ddpm", 6.479, 8.184));        // a stopped run: two draws so far

        Assert.Equal(["dpm:20", "dpm:20", "dpm:20", "ddpm", "ddpm"], joined.Samplers.Select(r => r.Spec));
        Assert.Equal([(3, 6.479), (3, 11.0), (2, 10.5)],
            joined.Summaries.Select(s => (s.Draws, s.MedianDistance)));
        Assert.Equal(4, joined.Notes.Count);
        Assert.Contains("other models", Assert.Throws<ArgumentException>(() => main.Joined(Run("Large UNet", "ddpm", 6.479))).Message);
        Assert.Contains("do not compare", Assert.Throws<ArgumentException>(() => main.Joined(Run("Small UNet", "ddpm", 7.0))).Message);
        Assert.Contains("draw 4", Assert.Throws<ArgumentException>(
            () => main.Joined(Run("Small UNet", "ddpm", 6.479, 8.184, 6.252, 6.3))).Message);
    }

    [Fact]
    public void A_file_from_before_the_class_columns_reads_with_empty_class_measures()
    {
        var run = EvaluationRun.Read(Path.Combine(RepoPaths.Root, "models", "recipes", "A_eps.evaluation.csv"));

        Assert.Equal(6.479, run.Floor.FrechetDistance);
        Assert.Equal(["ddim:50", "dpm:20"], run.Samplers.Select(r => r.Spec));
        Assert.All(run.Rows, r => Assert.Null(r.ClassAccuracy));
    }

    [Fact]
    public void A_line_that_does_not_fit_the_header_is_refused_with_its_number()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("bad.csv"), [EvaluationRun.Header, "DDIM,ddim:50,50,12.3"]);

        var error = Assert.Throws<InvalidDataException>(() => EvaluationRun.Read(folder.File("bad.csv")));
        Assert.Contains("table line 2", error.Message);
    }

    /// <summary>End to end on an untrained tiny model: the command writes a run that reads back, floor first.</summary>
    [Fact]
    public void The_evaluate_command_writes_a_run_that_reads_back()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("tiny.bin"));

        Assert.Equal(0, CliProcess.Run(["evaluate", "--model", folder.File("tiny.bin"), "--samples", "8", "--samplers", "ddim:2,dpm:3",
            "--out", folder.File("run.csv")]));

        var run = EvaluationRun.Read(folder.File("run.csv"));
        Assert.StartsWith("command: diffusion evaluate --model", run.Notes[0]);
        Assert.True(run.IsOf(TrainedModel.Load(folder.File("tiny.bin"), CPU).Description));
        Assert.False(run.IsOf("another model"));
        Assert.DoesNotContain(run.RunNotes, n => n.StartsWith("model:") || n.StartsWith("classifier:"));   // section 1 of lesson 09 shows those
        Assert.Equal(run.Notes.Count - 2, run.RunNotes.Count);
        Assert.True(run.Rows[0].IsFloor);
        Assert.Equal(8, run.Floor.Images);
        Assert.Equal([("ddim:2", 2), ("dpm:3", 3)], run.Samplers.Select(r => (r.Spec, r.Steps)));
        Assert.All(run.Rows, r => Assert.True(r.FrechetDistance > 0));
    }

    /// <summary>
    /// --repeats K: K independent draws, each with its own floor (other training images) and its own sampler images,
    /// summarised as a median and a range per sampler.
    /// </summary>
    [Fact]
    public void Repeated_draws_are_independent_and_summarised_by_their_median()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("tiny.bin"));

        Assert.Equal(0, CliProcess.Run(["evaluate", "--model", folder.File("tiny.bin"), "--samples", "8", "--repeats", "3",
            "--samplers", "ddim:2", "--out", folder.File("run.csv")]));

        var run = EvaluationRun.Read(folder.File("run.csv"));
        Assert.Equal(3, run.Draws);
        Assert.Equal([1, 1, 2, 2, 3, 3], run.Rows.Select(r => r.Draw));
        var floors = run.Rows.Where(r => r.IsFloor).Select(r => r.FrechetDistance).ToList();
        var samples = run.Samplers.Select(r => r.FrechetDistance).ToList();
        Assert.Equal(3, floors.Distinct().Count());                                            // three sets of real images
        Assert.Equal(3, samples.Distinct().Count());                                           // three sets of samples
        var summary = run.Summaries;
        Assert.True(summary[0].IsFloor);
        Assert.Equal(("ddim:2", 3), (summary[1].Spec, summary[1].Draws));
        Assert.Equal(samples.Order().ElementAt(1), summary[1].MedianDistance);
        Assert.Equal((samples.Min(), samples.Max()), (summary[1].LowestDistance, summary[1].HighestDistance));
    }

    /// <summary>
    /// A run stopped part way is finished by the same command with --resume: the rows it kept stay, the rest are measured,
    /// and each row's images are the ones an unbroken run makes (every row has a generator of its own). A finished run is
    /// left as it is.
    /// </summary>
    [Fact]
    public void A_stopped_run_is_finished_by_resume_with_the_rows_an_unbroken_run_makes()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("tiny.bin"));
        string[] command = ["evaluate", "--model", folder.File("tiny.bin"), "--samples", "8", "--repeats", "2",
            "--samplers", "ddim:2,dpm:2", "--out", folder.File("run.csv")];
        Assert.Equal(0, CliProcess.Run(command));
        var unbroken = EvaluationRun.Read(folder.File("run.csv"));
        var lines = File.ReadAllLines(folder.File("run.csv"));
        File.WriteAllLines(folder.File("run.csv"), lines.Take(Array.IndexOf(lines, EvaluationRun.Header) + 3));   // floor and ddim:2 of draw 1

        var (code, errors) = CliProcess.RunForErrors([.. command, "--resume"]);

        Assert.True(code == 0, errors);
        var resumed = EvaluationRun.Read(folder.File("run.csv"));
        Assert.Equal(unbroken.Rows.Select(r => (r.Draw, r.Spec, r.FrechetDistance)), resumed.Rows.Select(r => (r.Draw, r.Spec, r.FrechetDistance)));
        Assert.Contains(resumed.Notes, n => n.StartsWith("resumed after 2 rows"));

        string finished = File.ReadAllText(folder.File("run.csv"));                              // resumed once more: nothing to add
        var (again, output) = CliProcess.RunForOutput([.. command, "--resume"]);
        Assert.Equal(0, again);
        Assert.Contains("nothing left to do", output);
        Assert.Equal(finished, File.ReadAllText(folder.File("run.csv")));
    }

    [Fact]
    public void Resume_refuses_a_file_made_by_another_command_and_a_missing_file()
    {
        using var folder = new TempFolder();
        File.WriteAllLines(folder.File("run.csv"), ["# command: diffusion evaluate --model other.bin", EvaluationRun.Header]);
        string model = Path.Combine(RepoPaths.Root, "models", "fashion-mnist-small.bin");

        var (code, errors) = CliProcess.RunForErrors(["evaluate", "--model", model, "--samplers", "none", "--out", folder.File("run.csv"), "--resume"]);
        Assert.Equal(1, code);
        Assert.Contains("A run is finished with the command that started it", errors);

        (code, errors) = CliProcess.RunForErrors(["evaluate", "--model", model, "--samplers", "none", "--out", folder.File("none.csv"), "--resume"]);
        Assert.Equal(1, code);
        Assert.Contains("there is no run to finish", errors);
    }

    /// <summary>The same command after the model file was replaced (a retrain) would mix two models' rows: refused.</summary>
    [Fact]
    public void Resume_refuses_a_file_whose_model_was_replaced_since()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("tiny.bin"));
        string[] command = ["evaluate", "--model", folder.File("tiny.bin"), "--samples", "8", "--samplers", "ddim:2", "--out", folder.File("run.csv")];
        Assert.Equal(0, CliProcess.Run(command));
        SaveUntrainedTinyModel(folder.File("tiny.bin"), description: "another untrained tiny model");

        var (code, errors) = CliProcess.RunForErrors([.. command, "--resume"]);

        Assert.Equal(1, code);
        Assert.Contains("measured another model", errors);
    }

    /// <summary>--guidance 0,3 on a conditional model: every sampler at every scale, the scale in its own column.</summary>
    [Fact]
    public void A_guidance_sweep_draws_every_sampler_at_every_scale()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("tiny-classes.bin"), classes: 10);

        var (code, errors) = CliProcess.RunForErrors(["evaluate", "--model", folder.File("tiny-classes.bin"), "--samples", "30",
            "--repeats", "2", "--guidance", "0,3", "--samplers", "ddim:2", "--out", folder.File("sweep.csv")]);
        Assert.True(code == 0, errors);

        var run = EvaluationRun.Read(folder.File("sweep.csv"));
        Assert.Equal([null, 0.0, 3.0, null, 0.0, 3.0], run.Rows.Select(r => r.Guidance));      // per draw: the floor, then each scale
        Assert.All(run.Samplers, r => Assert.NotNull(r.ClassAccuracy));
        Assert.Equal([(null, 2), (0.0, 2), (3.0, 2)], run.Summaries.Select(s => (s.Guidance, s.Draws)));
        Assert.Contains("guidance 0, 3", run.Notes.Single(n => n.StartsWith("reference:")));
    }

    [Fact]
    public void A_guidance_scale_that_is_not_a_number_is_refused()
    {
        var (code, errors) = CliProcess.RunForErrors(["evaluate", "--model", Path.Combine(RepoPaths.Root, "models", "fashion-mnist-small-classes.bin"),
            "--guidance", "0,three", "--samplers", "none"]);
        Assert.Equal(1, code);
        Assert.Contains("--guidance expects numbers separated by commas, got 'three'", errors);
    }

    [Fact]
    public void The_median_of_an_even_count_is_the_mean_of_the_middle_two()
    {
        Assert.Equal(2.5, EvaluationSummary.Median([4.0, 1.0, 2.0, 3.0]));
        Assert.Equal(3.0, EvaluationSummary.Median([5.0, 3.0, 1.0]));
        Assert.Throws<ArgumentException>(() => EvaluationSummary.Median([]));
    }

    [Fact]
    public void Repeats_need_enough_training_images_for_their_floors()
    {
        var (code, errors) = CliProcess.RunForErrors(["evaluate", "--model", Path.Combine(RepoPaths.Root, "models", "fashion-mnist-small.bin"),
            "--samples", "30000", "--repeats", "3", "--samplers", "none"]);
        Assert.Equal(1, code);
        Assert.Contains("needs 90,000 training images", errors);
    }

    /// <summary>A flow-matching model takes the flow's own samplers beside DDIM and DPM-Solver++; Heun's steps count its evaluations.</summary>
    [Fact]
    public void The_evaluate_command_takes_a_flow_model_and_its_samplers()
    {
        using var folder = new TempFolder();
        SaveUntrainedTinyModel(folder.File("flow.bin"), training: TrainerTests.Quick with
            { Schedule = Diffusion.Ddpm.ScheduleKind.RectifiedFlow, Target = Diffusion.Ddpm.PredictionTarget.FlowVelocity });
        Assert.Equal(0, CliProcess.Run(["evaluate", "--model", folder.File("flow.bin"), "--samples", "8",
            "--samplers", "euler:2,heun:2,ddim:2,dpm:2", "--out", folder.File("run.csv")]));
        var run = EvaluationRun.Read(folder.File("run.csv"));
        Assert.Equal([("euler:2", 2), ("heun:2", 3), ("ddim:2", 2), ("dpm:2", 2)], run.Samplers.Select(r => (r.Spec, r.Steps)));
        Assert.All(run.Rows, r => Assert.True(double.IsFinite(r.FrechetDistance)));
    }

    /// <summary>An untrained Tiny model of Fashion-MNIST's shape (class-conditional with classes &gt; 0), enough for the command to run end to end.</summary>
    private static void SaveUntrainedTinyModel(string path, int classes = 0, TrainingConfig? training = null,
        string description = "untrained tiny model for a test")
    {
        manual_seed(0);
        using var trainer = new Trainer(new UNet(UNetConfig.Tiny with { NumClasses = classes }), training ?? TrainerTests.Quick, CPU, seed: 0);
        trainer.SaveModel(path, description, TrainingData.FashionMnistImages);
    }
}
