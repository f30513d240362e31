using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Display;
using Diffusion.Storage;
using Diffusion.Training;
using TorchSharp;

namespace DiffusionCli;

/// <summary>
/// diffusion train --out DIR [--preset tiny|small|large] [--width C] [--steps N | --epochs E] [--classes] [--seed 0] [--max-images N]
///                 [--target epsilon|x0|velocity|flowvelocity] [--min-snr GAMMA] [--schedule linear|cosine|...|rectifiedflow]
///                 [--timesteps uniform|logitnormal] [--batch 128]
///                 [--lr 2e-4] [--warmup 500] [--lr-decay constant|cosine] [--ema 0.999] [--checkpoint-every 500]
/// diffusion train --out DIR --resume [--steps N | --epochs E] [--max-images N]   (the same data as before: it is checked)
/// Writes DIR/checkpoint.bin (resumable), DIR/loss.csv (one line per step) and, at the end, DIR/model.bin (EMA weights)
/// whose description states the recipe, the images seen and the wall time over all sittings.
/// Ctrl-C or SIGTERM stops after the current step and saves the checkpoint; --resume continues exactly where it stopped
/// (with the checkpoint's recipe: recipe options are refused there). A kill -9 loses at most --checkpoint-every steps.
/// </summary>
public static class TrainCommand
{
    public static int Run(Options options)
    {
        string output = options.String("out", "");
        if (output.Trim() == "")
            throw new ArgumentException("--out DIR is required: where the checkpoint, loss log and model go (e.g. --out out/runs/small).");
        output = Path.GetFullPath(output);
        var preset = options.Enum("preset", ModelPreset.Small);
        var network = UNetConfig.FromPreset(preset);
        if (options.Has("width"))
            network = network with { BaseChannels = (int)options.Long("width", network.BaseChannels) };   // the preset's layout, wider or narrower
        try { network.Validate(); }
        catch (ArgumentException e) { throw new ArgumentException($"--width {network.BaseChannels} does not fit the {preset} preset: {e.Message}"); }
        bool conditional = options.Flag("classes");
        long seed = options.Long("seed", 0);
        bool resume = options.Flag("resume");
        int checkpointEvery = (int)options.Long("checkpoint-every", 500);
        string[] recipeOptions = ["batch", "lr", "warmup", "lr-decay", "ema", "target", "min-snr", "schedule", "timesteps", "preset", "width", "classes", "seed"];
        var given = recipeOptions.Where(options.Has).ToList();
        if (resume && given.Count > 0)
            throw new ArgumentException($"--resume continues the checkpoint's own recipe; drop {string.Join(", ", given.Select(g => "--" + g))}.");
        var training = new TrainingConfig
        {
            BatchSize = (int)options.Long("batch", 128),
            LearningRate = options.Double("lr", 2e-4),
            WarmupSteps = (int)options.Long("warmup", 500),
            Decay = options.Enum("lr-decay", LearningRateDecay.Constant),
            EmaDecay = options.Double("ema", 0.999),
            Target = options.Enum("target", Diffusion.Ddpm.PredictionTarget.Epsilon),
            MinSnrGamma = options.Double("min-snr", 0) is var gamma and > 0 ? gamma : null,
            Schedule = options.Enum("schedule", Diffusion.Ddpm.ScheduleKind.Linear),
            Timesteps = options.Enum("timesteps", TimestepDistribution.Uniform),
        };
        int? maxImages = options.Long("max-images", 0) is var m and > 0 ? (int)m : null;
        long steps = options.Long("steps", 0);
        long epochs = options.Long("epochs", 0);
        options.RejectUnknown();
        if ((steps > 0) == (epochs > 0))
            throw new ArgumentException("Give exactly one of --steps N or --epochs E.");

        var device = TorchRuntime.BestDevice();
        var course = CourseSettings.FromEnvironment();
        using var data = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxImages, Console.WriteLine);
        long totalSteps = steps > 0 ? steps : epochs * (data.Count / training.BatchSize);
        training = training with { TotalSteps = totalSteps };

        string checkpoint = Path.Combine(output, "checkpoint.bin");
        string lossLog = Path.Combine(output, "loss.csv");
        Trainer trainer;
        CheckedFile.DeleteLeftovers(checkpoint);                                       // from a run killed while writing
        if (resume)
        {
            trainer = Trainer.Resume(checkpoint, device);
            if (trainer.Config.Decay != LearningRateDecay.Constant && trainer.Config.TotalSteps != totalSteps)
                throw new ArgumentException($"This run's learning rate decays to 0 at step {trainer.Config.TotalSteps}; resume it with --steps {trainer.Config.TotalSteps}, not {totalSteps}.");
            TruncateLog(lossLog, trainer.Step);
            Console.WriteLine($"Resumed {checkpoint} at step {trainer.Step} (epoch {trainer.Position.Epoch}, batch {trainer.Position.Batch}).");
        }
        else
        {
            if (File.Exists(checkpoint))
                throw new IOException($"{checkpoint} exists: add --resume to continue it, or choose another --out.");
            torch.manual_seed(seed);                                              // the initial weights
            var modelConfig = network with
            {
                ImageChannels = data.Channels,
                NumClasses = conditional ? data.ClassCount : 0,
            };
            trainer = new Trainer(new UNet(modelConfig), training, device, seed);
            Directory.CreateDirectory(output);
            File.WriteAllText(lossLog, "step,loss,learning_rate,gradient_norm,epoch\n");
        }

        using (trainer)
        using (var cancel = new CancellationTokenSource())
        {
            // Ctrl-C (SIGINT) and SIGTERM (kill, a scheduler, CI) both stop after the current step and save the checkpoint.
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true;
                cancel.Cancel();
                Console.WriteLine($"\n{context.Signal}: stopping after this step and saving the checkpoint...");
            }
            using var onInterrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var onTerminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            Console.WriteLine($"Training {trainer.Model.ParameterCount():N0} parameters on {device} with {torch.get_num_threads()} threads: " +
                              $"{data.Count} images, steps {trainer.Step} -> {totalSteps}.\nRecipe: {trainer.Config.Recipe()}.");
            var recent = new Queue<double>(RecentLosses(lossLog, 100));                    // continues the log's moving average
            using var log = new StreamWriter(lossLog, append: true);
            var clock = Stopwatch.StartNew();
            long startStep = trainer.Step;
            trainer.Fit(data, totalSteps, result =>
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Step},{result.Loss:G6},{result.LearningRate:G4},{result.GradientNorm:G4},{result.Epoch}"));
                recent.Enqueue(result.Loss);
                if (recent.Count > 100) recent.Dequeue();
                if (result.Step % checkpointEvery == 0)
                    log.Flush();                                                          // the log is never behind a checkpoint
                if (result.Step % 50 == 0 || result.Step == totalSteps)
                {
                    log.Flush();
                    double perSecond = (result.Step - startStep) * trainer.Config.BatchSize / clock.Elapsed.TotalSeconds;
                    var eta = TimeSpan.FromSeconds((totalSteps - result.Step) * trainer.Config.BatchSize / Math.Max(perSecond, 1e-9));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {result.Step,7}/{totalSteps}  epoch {result.Epoch,3}  loss {recent.Average():F4}  lr {result.LearningRate:G3}  {perSecond,6:F0} img/s  eta {eta:hh\\:mm\\:ss}"));
                }
            }, checkpoint, checkpointEvery, cancel.Token);

            if (trainer.Step >= totalSteps)
            {
                string model = Path.Combine(output, "model.bin");
                trainer.SaveModel(model, string.Create(CultureInfo.InvariantCulture,
                    $"{Describe(trainer.Model.Config)}, {trainer.Model.ParameterCount():N0} parameters; {trainer.Config.Recipe()}; " +
                    $"{trainer.Step} steps = {trainer.ImagesSeen:N0} images ({(double)trainer.ImagesSeen / data.Count:F1} epochs of {data.Count:N0} {data.Name} images), " +
                    $"final mean loss {recent.Average():F4}; wall time {Clock(trainer.TrainingTime)} on {device} with {torch.get_num_threads()} threads"));
                Console.WriteLine($"Done: {Clock(trainer.TrainingTime)} of training over all sittings. EMA weights: {model}");
            }
            else
            {
                Console.WriteLine($"Stopped at step {trainer.Step}; continue with --resume.");
            }
        }
        return 0;
    }

    /// <summary>h:mm:ss, hours not capped at 24.</summary>
    private static string Clock(TimeSpan time) => $"{(int)time.TotalHours}:{time.Minutes:D2}:{time.Seconds:D2}";

    /// <summary>"Small UNet, class-conditional (10 classes)": the preset whose layout the network has, or its base width.</summary>
    private static string Describe(UNetConfig config)
    {
        var preset = Enum.GetValues<ModelPreset>().Select(p => (ModelPreset?)p).FirstOrDefault(p =>
            UNetConfig.FromPreset(p!.Value) is var c && c.BaseChannels == config.BaseChannels &&
            c.ChannelMultipliers.SequenceEqual(config.ChannelMultipliers) && c.ResBlocksPerLevel == config.ResBlocksPerLevel);
        string name = preset is { } p ? $"{p} UNet" : $"UNet of base width {config.BaseChannels}";
        return config.NumClasses > 0 ? $"{name}, class-conditional ({config.NumClasses} classes)" : $"{name}, unconditional";
    }

    /// <summary>The last <paramref name="count"/> losses already in the log (none for a new run).</summary>
    private static IEnumerable<double> RecentLosses(string path, int count) =>
        File.ReadLines(path).Skip(1).TakeLast(count).Select(line => double.Parse(line.Split(',')[1], CultureInfo.InvariantCulture)).ToList();

    /// <summary>After a resume, drop log lines past the checkpoint's step so the log matches what is being redone.</summary>
    private static void TruncateLog(string path, long step)
    {
        if (!File.Exists(path))
            return;
        var kept = File.ReadLines(path).Where((line, i) => i == 0 || long.Parse(line.Split(',')[0], CultureInfo.InvariantCulture) <= step).ToList();
        File.WriteAllLines(path, kept);
    }
}
