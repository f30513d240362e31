using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Models;
using Diffusion.Training;
using TorchSharp;

namespace DiffusionCli;

/// <summary>
/// diffusion train --out DIR [--preset tiny|small|large] [--steps N | --epochs E] [--batch 128] [--lr 2e-4] [--max-images N]
///                 [--classes] [--seed 0] [--checkpoint-every 500] [--resume]
/// Writes DIR/checkpoint.bin (resumable), DIR/loss.csv (one line per step) and, at the end, DIR/model.bin (EMA weights).
/// Ctrl-C or SIGTERM stops after the current step and saves the checkpoint; --resume continues exactly where it stopped.
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
        bool conditional = options.Flag("classes");
        long seed = options.Long("seed", 0);
        bool resume = options.Flag("resume");
        int checkpointEvery = (int)options.Long("checkpoint-every", 500);
        var training = new TrainingConfig
        {
            BatchSize = (int)options.Long("batch", 128),
            LearningRate = options.Double("lr", 2e-4),
            WarmupSteps = (int)options.Long("warmup", 500),
            EmaDecay = options.Double("ema", 0.999),
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

        string checkpoint = Path.Combine(output, "checkpoint.bin");
        string lossLog = Path.Combine(output, "loss.csv");
        Trainer trainer;
        if (resume)
        {
            trainer = Trainer.Resume(checkpoint, device);
            TruncateLog(lossLog, trainer.Step);
            Console.WriteLine($"Resumed {checkpoint} at step {trainer.Step} (epoch {trainer.Position.Epoch}, batch {trainer.Position.Batch}).");
        }
        else
        {
            if (File.Exists(checkpoint))
                throw new IOException($"{checkpoint} exists: add --resume to continue it, or choose another --out.");
            torch.manual_seed(seed);                                              // the initial weights
            var modelConfig = UNetConfig.FromPreset(preset) with
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
                              $"{data.Count} images, batch {training.BatchSize}, steps {trainer.Step} -> {totalSteps}.");
            var recent = new Queue<double>(RecentLosses(lossLog, 100));                    // continues the log's moving average
            using var log = new StreamWriter(lossLog, append: true);
            var clock = Stopwatch.StartNew();
            long startStep = trainer.Step;
            trainer.Fit(data, totalSteps, result =>
            {
                log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Step},{result.Loss:G6},{result.LearningRate:G4},{result.GradientNorm:G4},{result.Epoch}"));
                recent.Enqueue(result.Loss);
                if (recent.Count > 100) recent.Dequeue();
                if (result.Step % 50 == 0 || result.Step == totalSteps)
                {
                    log.Flush();
                    double perSecond = (result.Step - startStep) * training.BatchSize / clock.Elapsed.TotalSeconds;
                    var eta = TimeSpan.FromSeconds((totalSteps - result.Step) * training.BatchSize / Math.Max(perSecond, 1e-9));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"step {result.Step,7}/{totalSteps}  epoch {result.Epoch,3}  loss {recent.Average():F4}  lr {result.LearningRate:G3}  {perSecond,6:F0} img/s  eta {eta:hh\\:mm\\:ss}"));
                }
            }, checkpoint, checkpointEvery, cancel.Token);

            if (trainer.Step >= totalSteps)
            {
                string model = Path.Combine(output, "model.bin");
                trainer.SaveModel(model, $"{preset} preset, {trainer.Step} steps ({trainer.Position.Epoch} epochs) of batch {training.BatchSize} " +
                    $"on {data.Count} images of {data.Name}, final mean loss {recent.Average():F4}, trained on {device}; " +
                    $"{(resume ? "the last session" : "wall time")} {clock.Elapsed:hh\\:mm\\:ss}");
                Console.WriteLine($"Done in {clock.Elapsed:hh\\:mm\\:ss}. EMA weights: {model}");
            }
            else
            {
                Console.WriteLine($"Stopped at step {trainer.Step}; continue with --resume.");
            }
        }
        return 0;
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
