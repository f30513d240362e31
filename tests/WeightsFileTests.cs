using System.Text.Json;
using Diffusion.Data;
using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Storage;
using Diffusion.Training;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// Every kind of file of weights is written in one layout (<see cref="WeightsFile"/>: one JSON header, then the body), and
/// the files written before it, format version 1, still load: the stored recipe models and the classifier are such files,
/// and a version-1 model and checkpoint are rebuilt here byte for byte as the old code laid them out.
/// </summary>
public class WeightsFileTests
{
    private static readonly string Models = Path.Combine(RepoPaths.Root, "models");

    /// <summary>The format version a checked file was written in (bytes 8-11 of its header).</summary>
    private static int VersionOf(string path) => BitConverter.ToInt32(File.ReadAllBytes(path), 8);

    /// <summary>Marks a file as written in format version 1; the checksum covers only the payload, so it stays valid.</summary>
    private static void MarkVersion1(string path)
    {
        var bytes = File.ReadAllBytes(path);
        BitConverter.GetBytes(1).CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Writes a model as format version 1 laid it out: the network's config, the training info, the weights.</summary>
    private static void WriteVersion1Model(string path, UNetConfig config)
    {
        manual_seed(0);
        using var network = new UNet(config);
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(JsonSerializer.Serialize(network.Config, WeightsFile.Json));
                writer.Write(JsonSerializer.Serialize(new TrainedModelInfo(new TrainingConfig(), 1, 0, "old"), WeightsFile.Json));
                network.save(writer);
            }
            CheckedFile.Write(path, CheckedFileKind.TrainedModel, buffer.ToArray());
        }
        MarkVersion1(path);
    }

    /// <summary>Loads a model file and checks that it describes Fashion-MNIST images and the given number of classes.</summary>
    private static void AssertLoadsAsFashionMnist(string path, int classes)
    {
        var model = TrainedModel.Load(path, CPU);
        using (model.Network)
        {
            Assert.Equal(FashionMnist.ImageShape, model.ImageShape);                            // [1, 28, 28]: from the config
            Assert.Equal(FashionMnist.ClassNames, model.Data.ClassNames);
            Assert.Equal(classes, model.ClassCount);
        }
    }

    [Fact]
    public void A_model_saved_before_models_recorded_their_images_loads_with_its_shape_inferred()
    {
        string shipped = Path.Combine(Models, "recipes/B_v.bin");
        Assert.Equal(1, VersionOf(shipped));
        AssertLoadsAsFashionMnist(shipped, classes: 0);

        using var folder = new TempFolder();                                                  // the old class-conditional model
        WriteVersion1Model(folder.File("classes.bin"), UNetConfig.Tiny with { NumClasses = 10 });
        AssertLoadsAsFashionMnist(folder.File("classes.bin"), classes: 10);
    }

    [Fact]
    public void A_version_1_model_of_three_channels_says_it_cannot_tell_its_images()
    {
        using var folder = new TempFolder();
        string path = folder.File("colour.bin");
        WriteVersion1Model(path, UNetConfig.Tiny with { ImageChannels = 3 });
        var error = Assert.Throws<InvalidDataException>(() => TrainedModel.Load(path, CPU));
        Assert.Contains(path, error.Message);
        Assert.Contains("3 input channels", error.Message);
    }

    [Fact]
    public void A_new_model_file_records_its_images_and_classes()
    {
        using var folder = new TempFolder();
        var data = new TrainingData("squares", [3, 16, 16], ["small", "large"]);
        manual_seed(0);
        using var trainer = new Trainer(new UNet(UNetConfig.Tiny with { ImageChannels = 3, NumClasses = 2 }), TrainerTests.Quick, CPU, 0);
        trainer.SaveModel(folder.File("model.bin"), "untrained", data);
        Assert.Equal(CheckedFile.FormatVersion, VersionOf(folder.File("model.bin")));
        var model = TrainedModel.Load(folder.File("model.bin"), CPU);
        using (model.Network)
        {
            Assert.Equal(data, model.Data);
            Assert.Equal([3L, 16, 16], model.ImageShape);
        }
        Assert.Contains("Fit has not run", Assert.Throws<InvalidOperationException>(() => trainer.EmaModel("no data")).Message);
        var wrongChannels = new TrainingData("grey", [1, 16, 16], ["small", "large"]);
        Assert.Throws<ArgumentException>(() => trainer.EmaModel("wrong", wrongChannels));
    }

    [Fact]
    public void A_version_1_checkpoint_resumes_and_a_new_one_records_its_data()
    {
        using var data = FashionMnist.Load(DatasetSplit.Train, Path.Combine(RepoPaths.Root, "data"), maxCount: 64);
        using var folder = new TempFolder();
        using var trainer = TrainerTests.NewTrainer();
        trainer.Fit(data, totalSteps: 2, checkpointPath: folder.File("checkpoint.bin"));
        using (var resumed = Trainer.Resume(folder.File("checkpoint.bin"), CPU))
            Assert.Equal(TrainingData.Of(data), resumed.Data);

        MarkVersion1(folder.File("checkpoint.bin"));                                          // version 1 laid it out the same way
        using var old = Trainer.Resume(folder.File("checkpoint.bin"), CPU);
        Assert.Equal(2, old.Step);
        Assert.Equal(TrainingData.Of(data), old.Data);
        old.Fit(data, totalSteps: 3);
        Assert.Equal(3, old.Step);
    }

    [Fact]
    public void The_shipped_classifier_is_a_version_1_file_and_a_new_one_round_trips()
    {
        string shipped = Path.Combine(Models, "fashion-mnist-classifier.bin");
        Assert.Equal(1, VersionOf(shipped));
        var (old, description) = ImageClassifier.Load(shipped, CPU);
        using (old)
        {
            using var folder = new TempFolder();
            old.Save(folder.File("classifier.bin"), description);
            Assert.Equal(CheckedFile.FormatVersion, VersionOf(folder.File("classifier.bin")));
            var (copy, copied) = ImageClassifier.Load(folder.File("classifier.bin"), CPU);
            using (copy)
            {
                Assert.Equal(description, copied);
                using var x = randn(4, 1, 28, 28);
                using var a = old.forward(x);
                using var b = copy.forward(x);
                Assert.True(a.eq(b).all().item<bool>());
            }
        }
    }
}
