using Diffusion.Data;
using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Course;

/// <summary>
/// The trained models the course ships in models/, loaded for the lessons: the two diffusion models (each with its schedule
/// and prediction target, <see cref="TrainedModel"/>) and the classifier that judges samples. If a diffusion model's file
/// is missing (a partial checkout, or while a new one is being trained), a tiny model is trained on the spot instead, for
/// a minute, so the lesson still runs end to end; its samples are poor, and its Description says so.
/// </summary>
public static class ShippedModels
{
    /// <summary>models/fashion-mnist-small.bin: the Small UNet, unconditional.</summary>
    public const string UnconditionalFile = "fashion-mnist-small.bin";

    /// <summary>models/fashion-mnist-small-classes.bin: the Small UNet conditioned on the ten classes (with a null class).</summary>
    public const string ConditionalFile = "fashion-mnist-small-classes.bin";

    /// <summary>
    /// models/fashion-mnist-small-flow.bin: the Small UNet trained by flow matching with logit-normal t (lesson 11), for as
    /// many images as the unconditional model. No stand-in: lesson 11 compares it with stored measurements of this file.
    /// </summary>
    public const string FlowFile = "fashion-mnist-small-flow.bin";

    /// <summary>models/fashion-mnist-classifier.bin: the classifier that judges samples (lessons 08 and 09).</summary>
    public const string ClassifierFile = "fashion-mnist-classifier.bin";

    /// <summary>
    /// The guidance scale the course draws the conditional model at (lesson 08, <c>diffusion showcase</c> and
    /// <c>diffusion evaluate</c>): in the model's stored sweep (fashion-mnist-small-classes.guidance.csv) the smallest
    /// scale with at least 95% of the samples classified as the class asked for; larger scales move the samples
    /// further from real images.
    /// </summary>
    public const double ConditionalGuidance = 1.5;

    public static TrainedModel Unconditional(CourseSettings course, Device device) =>
        LoadOrTrain(course, UnconditionalFile, conditional: false, device);

    public static TrainedModel Conditional(CourseSettings course, Device device) =>
        LoadOrTrain(course, ConditionalFile, conditional: true, device);

    /// <summary>The shipped classifier (in eval mode) and how it was trained; there is no stand-in, it is small enough to ship always.</summary>
    public static (ImageClassifier Model, string Description) Classifier(CourseSettings course, Device device) =>
        ImageClassifier.Load(PathOf(course, ClassifierFile), device);

    /// <summary>Where a shipped file lives: &lt;repo&gt;/models/&lt;fileName&gt;.</summary>
    public static string PathOf(CourseSettings course, string fileName) => Path.Combine(course.RepositoryRoot, "models", fileName);

    private static TrainedModel LoadOrTrain(CourseSettings course, string fileName, bool conditional, Device device)
    {
        string path = PathOf(course, fileName);
        if (File.Exists(path))
            return TrainedModel.Load(path, device);
        using var data = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxCount: 4_000);
        var config = UNetConfig.Tiny with { NumClasses = conditional ? data.ClassCount : 0 };
        manual_seed(0);                                                                         // the tiny model's initial weights
        using var trainer = new Trainer(new UNet(config), new TrainingConfig { BatchSize = 64, LearningRate = 1e-3, WarmupSteps = 20 }, device, seed: 0);
        trainer.Fit(data, totalSteps: 150);
        var ema = new UNet(config).to(device);
        ExponentialMovingAverage.CopyInto(ema, trainer.Ema);
        ema.eval();
        return new TrainedModel(ema, new TrainedModelInfo(trainer.Config, trainer.Step, trainer.Position.Epoch,
            $"a tiny model trained for 150 steps just now, because models/{fileName} was not found: expect poor samples",
            TrainingData.Of(data)));
    }
}
