using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>A stored row measured again: accepted inside the stored draws' range (with its tolerance), refused outside it.</summary>
public class RemeasurementTests
{
    [Fact]
    public void A_new_draw_is_accepted_inside_the_stored_range_and_refused_outside_it()
    {
        using var folder = new TempFolder();
        manual_seed(0);
        using (var trainer = new Trainer(new UNet(UNetConfig.Tiny), TrainerTests.Quick, CPU, seed: 0))
            trainer.SaveModel(folder.File("tiny.bin"), "untrained tiny model for a test", TrainingData.FashionMnistImages);
        var model = TrainedModel.Load(folder.File("tiny.bin"), CPU);
        using var classifier = new ImageClassifier(model.ImageShape, classCount: 10);         // untrained: any fixed features will do
        var judge = new ClassifierFrechetDistance(classifier, randn([64, .. model.ImageShape], generator: new Generator(1)));
        var (images, _) = SamplerSpec.Parse("ddim:2").Create(model.Process)
            .Generate((_, _) => model.Output, 40, 20, model.ImageShape, new Generator(3), CPU);    // [40, 1, 28, 28]
        double distance;
        using (images)
            distance = judge.To(images);
        EvaluationRun Stored(params double[] distances) => new([], [.. distances.Select((d, i) =>
            new EvaluationRow("DDIM", "ddim:2", 2, d, null, null, 0.01, 40, Draw: i + 1))]);

        var accepted = Remeasurement.Of(Stored(0.95 * distance, 1.05 * distance), "ddim:2", model, judge, new Generator(3), CPU, batchSize: 20);

        Assert.Equal(distance, accepted.Distance, 6);                                            // the same draw, measured again
        Assert.Equal((40, 2, 0.95 * distance), (accepted.Images, accepted.StoredDraws, accepted.LowestStored));
        var refused = Assert.Throws<InvalidDataException>(() =>
            Remeasurement.Of(Stored(2 * distance, 3 * distance), "ddim:2", model, judge, new Generator(3), CPU, batchSize: 20));
        Assert.Contains("the 2 stored draws span", refused.Message);
        Assert.Contains("has no rows for 'dpm:20'", Assert.Throws<ArgumentException>(() =>
            Remeasurement.Of(Stored(distance), "dpm:20", model, judge, new Generator(3), CPU)).Message);
    }
}
