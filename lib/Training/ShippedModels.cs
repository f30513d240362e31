using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// The trained diffusion models the course ships in models/, loaded for the lessons. If a file is missing (a partial
/// checkout, or while a new one is being trained), a tiny model is trained on the spot instead, for a minute, so the
/// lesson still runs end to end; its samples are poor, and <c>About</c> says so.
/// </summary>
public static class ShippedModels
{
    /// <summary>models/fashion-mnist-small.bin: the Small UNet, unconditional.</summary>
    public const string UnconditionalFile = "fashion-mnist-small.bin";

    /// <summary>models/fashion-mnist-small-classes.bin: the Small UNet conditioned on the ten classes (with a null class).</summary>
    public const string ConditionalFile = "fashion-mnist-small-classes.bin";

    public static (UNet Model, string About) Unconditional(CourseSettings course, Device device) =>
        LoadOrTrain(course, UnconditionalFile, UNetConfig.Tiny, device);

    public static (UNet Model, string About) Conditional(CourseSettings course, Device device) =>
        LoadOrTrain(course, ConditionalFile, UNetConfig.Tiny with { NumClasses = FashionMnist.ClassNames.Count }, device);

    private static (UNet Model, string About) LoadOrTrain(CourseSettings course, string fileName, UNetConfig fallback, Device device)
    {
        string path = Path.Combine(course.RepositoryRoot, "models", fileName);
        if (File.Exists(path))
        {
            var (model, info) = TrainedModel.Load(path, device);
            return (model, info.Description);
        }
        using var data = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxCount: 4_000);
        manual_seed(0);                                                                         // the tiny model's initial weights
        using var trainer = new Trainer(new UNet(fallback), new TrainingConfig { BatchSize = 64, LearningRate = 1e-3, WarmupSteps = 20 }, device, seed: 0);
        trainer.Fit(data, totalSteps: 150);
        var ema = new UNet(fallback).to(device);
        ExponentialMovingAverage.CopyInto(ema, trainer.Ema);
        ema.eval();
        return (ema, $"a tiny model trained for 150 steps just now, because models/{fileName} was not found: expect poor samples");
    }
}
