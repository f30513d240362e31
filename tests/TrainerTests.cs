using Diffusion.Data;
using Diffusion.Ddpm;
using Diffusion.Models;
using Diffusion.Storage;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class TrainerTests
{
    private static readonly string DataFolder = Path.Combine(RepoPaths.Root, "data");
    internal static readonly TrainingConfig Quick = new() { BatchSize = 16, LearningRate = 1e-3, WarmupSteps = 5 };

    internal static Trainer NewTrainer(int seed = 0, TrainingConfig? config = null, UNetConfig? model = null)
    {
        manual_seed(seed);
        return new Trainer(new UNet(model ?? UNetConfig.Tiny), config ?? Quick, CPU, seed);
    }

    [Fact]
    public void Loss_of_a_tiny_model_decreases_on_Fashion_MNIST()
    {
        using var data = FashionMnist.Load(DatasetSplit.Train, DataFolder, maxCount: 1024);
        using var trainer = NewTrainer();
        var losses = new List<double>();
        trainer.Fit(data, totalSteps: 80, onStep: r => losses.Add(r.Loss));
        Assert.Equal(80, losses.Count);
        double first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        Assert.True(last < 0.6 * first, $"mean loss went from {first:F3} to {last:F3}");
    }

    /// <summary>
    /// An interrupted run leaves only its checkpoint file behind (as after kill -9); a new process that resumes from it
    /// must see the same batches, the same t and noise, and so produce the same losses, bit for bit.
    /// </summary>
    [Fact]
    public void Resuming_from_a_checkpoint_reproduces_the_uninterrupted_loss_curve()
    {
        using var data = FashionMnist.Load(DatasetSplit.Train, DataFolder, maxCount: 128);      // 8 batches per epoch
        const int total = 20, interruptedAt = 11;                                                 // mid second epoch

        var uninterrupted = new List<double>();
        using (var trainer = NewTrainer(seed: 3))
            trainer.Fit(data, total, r => uninterrupted.Add(r.Loss));

        using var temp = new TempFolder();
        string checkpoint = temp.File("checkpoint.bin");
        var resumed = new List<double>();
        using (var first = NewTrainer(seed: 3))
            first.Fit(data, interruptedAt, r => resumed.Add(r.Loss), checkpoint, checkpointEvery: 1000);
        using (var second = Trainer.Resume(checkpoint, CPU))
        {
            Assert.Equal(interruptedAt, second.Step);
            Assert.Equal((1, 3), second.Position);
            second.Fit(data, total, r => resumed.Add(r.Loss));
        }
        Assert.Equal(uninterrupted, resumed);
    }

    [Fact]
    public void Ema_starts_as_the_model_and_follows_it()
    {
        using var trainer = NewTrainer();
        var model = trainer.Model.parameters().First();
        var ema = trainer.Ema.parameters().First();
        Assert.True(model.eq(ema).all().item<bool>());
        using var x = rand(16, 1, 28, 28) * 2 - 1;
        trainer.TrainStep(x);
        // Step 0 uses decay min(0.999, 1/10): the shadow moves 90% of the way to the new weights.
        Assert.False(model.eq(ema).all().item<bool>());
        Assert.True((model - ema).abs().max().item<float>() < 1e-3f);
    }

    [Fact]
    public void A_NaN_loss_stops_training_and_leaves_the_weights_alone()
    {
        using var trainer = NewTrainer();
        var before = trainer.Model.parameters().Select(p => p.detach().clone()).ToList();
        using var poisoned = full(16, 1, 28, 28, float.NaN);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.TrainStep(poisoned));
        Assert.Contains("NaN", error.Message);
        Assert.Equal(0, trainer.Step);
        foreach (var (a, b) in trainer.Model.parameters().Zip(before))
            Assert.True(a.eq(b).all().item<bool>());
    }

    [Fact]
    public void Learning_rate_warms_up_linearly()
    {
        using var trainer = NewTrainer(config: Quick with { WarmupSteps = 4, LearningRate = 1e-3 });
        Assert.Equal([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3], Enumerable.Range(0, 5).Select(s => trainer.LearningRateAt(s)));
    }

    [Fact]
    public void Cosine_decay_falls_from_the_peak_to_zero_at_the_last_step()
    {
        var config = Quick with { WarmupSteps = 10, LearningRate = 1e-3, Decay = LearningRateDecay.Cosine, TotalSteps = 110 };
        Assert.Equal(1e-3, config.LearningRateAt(9), 12);                                        // end of warmup: the peak
        Assert.Equal(1e-3, config.LearningRateAt(10), 12);
        Assert.Equal(0.5e-3, config.LearningRateAt(60), 12);                                      // halfway: half
        Assert.Equal(0, config.LearningRateAt(110), 12);
        Assert.Equal(0, config.LearningRateAt(500), 12);                                          // stays there
        Assert.Equal("TotalSteps", Assert.Throws<ArgumentException>(() => (config with { TotalSteps = 0 }).Validate()).ParamName);
    }

    [Fact]
    public void The_recipe_names_every_choice_that_matters()
    {
        var recipe = (Quick with { Target = Diffusion.Ddpm.PredictionTarget.Velocity, MinSnrGamma = 5, Decay = LearningRateDecay.Cosine, TotalSteps = 100 }).Recipe();
        Assert.Equal("v prediction, linear schedule T=1000, Min-SNR-5, AdamW lr 0.001 (5 warmup, cosine), batch 16, EMA 0.999, clip 1", recipe);
    }

    [Fact]
    public void Training_time_and_the_data_size_survive_a_checkpoint()
    {
        using var data = FashionMnist.Load(DatasetSplit.Train, DataFolder, maxCount: 64);
        using var folder = new TempFolder();
        using var trainer = NewTrainer();
        trainer.Fit(data, totalSteps: 2, checkpointPath: folder.File("checkpoint.bin"));
        Assert.True(trainer.TrainingTime > TimeSpan.Zero);
        Assert.Equal(32, trainer.ImagesSeen);
        using var resumed = Trainer.Resume(folder.File("checkpoint.bin"), CPU);
        Assert.Equal(trainer.TrainingTime.TotalSeconds, resumed.TrainingTime.TotalSeconds, 9);
        using var other = FashionMnist.Load(DatasetSplit.Train, DataFolder, maxCount: 48);
        Assert.Contains("trained on 64 images", Assert.Throws<ArgumentException>(() => resumed.Fit(other, totalSteps: 4)).Message);
    }

    /// <summary>Logit-normal t (Esser et al. 2024) crowds the middle third of the path: P(-ln 2 &lt; n &lt; ln 2) = 0.51 against 1/3.</summary>
    [Fact]
    public void Logit_normal_timesteps_crowd_the_middle_and_uniform_ones_do_not()
    {
        using var uniform = TimestepDistribution.Uniform.Draw(1000, 60000, new Generator(1));
        using var logitNormal = TimestepDistribution.LogitNormal.Draw(1000, 60000, new Generator(1));
        double Middle(Tensor k) => ((k >= 333) & (k < 666)).to(ScalarType.Float64).mean().item<double>();
        Assert.InRange(Middle(uniform), 0.32, 0.35);
        Assert.InRange(Middle(logitNormal), 0.50, 0.52);
        Assert.InRange(logitNormal.min().item<long>(), 0, 50);                                   // the ends are still drawn, rarely
        Assert.InRange(logitNormal.max().item<long>(), 950, 998);
        Assert.Contains("logit-normal t", (Quick with { Timesteps = TimestepDistribution.LogitNormal }).Recipe());
    }
}

/// <summary>The process's memory is only a fair measure while no other test runs: this collection runs alone.</summary>
[CollectionDefinition(nameof(RunsAlone), DisableParallelization = true)]
public sealed class RunsAlone;

[Collection(nameof(RunsAlone))]
public class TrainerMemoryTests
{
    [Fact]
    public void Memory_stays_flat_over_1000_steps()
    {
        using var trainer = TrainerTests.NewTrainer(config: TrainerTests.Quick with { BatchSize = 4 });
        using var x = rand(4, 1, 28, 28) * 2 - 1;
        for (int i = 0; i < 100; i++)
            trainer.TrainStep(x);
        double before = ResidentMegabytes();
        for (int i = 0; i < 1000; i++)
            trainer.TrainStep(x);
        double after = ResidentMegabytes();
        Assert.True(after < before * 1.05, $"resident memory grew from {before:F0} MB to {after:F0} MB");
    }

    internal static double ResidentMegabytes()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
    }
}

public class CheckedFileTests
{
    [Fact]
    public void Round_trip_and_clear_errors_for_every_kind_of_damage()
    {
        using var temp = new TempFolder();
        string path = temp.File("file.bin");
        CheckedFile.Write(path, CheckedFileKind.TrainedModel, [1, 2, 3, 4, 5]);
        Assert.Equal([1, 2, 3, 4, 5], CheckedFile.Read(path, CheckedFileKind.TrainedModel).Payload);

        var wrongKind = Assert.Throws<InvalidDataException>(() => CheckedFile.Read(path, CheckedFileKind.TrainingCheckpoint));
        Assert.Contains("holds a trained model", wrongKind.Message);

        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^2]);
        Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => CheckedFile.Read(path, CheckedFileKind.TrainedModel)).Message);

        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(path, bytes);
        Assert.Contains("checksum", Assert.Throws<InvalidDataException>(() => CheckedFile.Read(path, CheckedFileKind.TrainedModel)).Message);

        File.WriteAllBytes(path, new byte[100]);
        Assert.Contains("header", Assert.Throws<InvalidDataException>(() => CheckedFile.Read(path, CheckedFileKind.TrainedModel)).Message);

        Assert.Throws<FileNotFoundException>(() => CheckedFile.Read(temp.File("missing.bin"), CheckedFileKind.TrainedModel));
    }

    /// <summary>
    /// A crash in the middle of a save leaves at most a stray temp file: the previous file is untouched and still
    /// loads, and the next save replaces it.
    /// </summary>
    [Fact]
    public void A_crash_during_a_save_leaves_the_previous_file_intact()
    {
        using var temp = new TempFolder();
        string path = temp.File("checkpoint.bin");
        CheckedFile.Write(path, CheckedFileKind.TrainingCheckpoint, [7, 7, 7]);
        // What a process killed while writing leaves behind: a partial temp file beside the target.
        File.WriteAllBytes($"{path}.99999.tmp", [0x44, 0x44, 0x50]);
        Assert.Equal([7, 7, 7], CheckedFile.Read(path, CheckedFileKind.TrainingCheckpoint).Payload);
        CheckedFile.Write(path, CheckedFileKind.TrainingCheckpoint, [8, 8]);
        Assert.Equal([8, 8], CheckedFile.Read(path, CheckedFileKind.TrainingCheckpoint).Payload);
        Assert.DoesNotContain(Directory.GetFiles(temp.Path), f => f.EndsWith($".{Environment.ProcessId}.tmp", StringComparison.Ordinal));
    }

    [Fact]
    public void A_trained_model_round_trips_with_its_configuration()
    {
        using var temp = new TempFolder();
        manual_seed(1);
        using var model = new UNet(UNetConfig.Tiny with { NumClasses = 10 });
        model.eval();
        var training = new TrainingConfig { Schedule = ScheduleKind.Cosine, DiffusionSteps = 500, Target = PredictionTarget.Velocity };
        new TrainedModel(model, new TrainedModelInfo(training, 5, 1, "test", TrainingData.FashionMnistImages)).Save(temp.File("model.bin"));
        var trained = TrainedModel.Load(temp.File("model.bin"), CPU);
        using (var loaded = trained.Network)
        {
            Assert.Equal(10, loaded.Config.NumClasses);
            Assert.Equal(10, trained.ClassCount);
            Assert.Equal([1, 2], loaded.Config.ChannelMultipliers);
            Assert.Equal("test", trained.Description);
            Assert.Equal(PredictionTarget.Velocity, trained.Target);                              // the model knows how it was trained
            Assert.Equal(ScheduleKind.Cosine, trained.Schedule.Kind);
            Assert.Equal(500, trained.Schedule.Steps);
            using var x = randn(2, 1, 28, 28);
            using var t = tensor(new long[] { 1, 2 });
            using var a = model.forward(x, t);
            using var b = loaded.forward(x, t);
            Assert.True(a.eq(b).all().item<bool>());
            using var noise = trained.PredictNoise(x, t);                                        // the v output, as eps
            using var expected = trained.Process.EpsFromVelocity(x, a, t);
            Assert.True(noise.allclose(expected, rtol: 1e-5, atol: 1e-6));
        }
    }
}
