using Diffusion.Data;
using Diffusion.Evaluation;
using Diffusion.Storage;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

public class ClassifierTests
{
    private static readonly string DataFolder = Path.Combine(RepoPaths.Root, "data");

    private static ImageClassifier NewClassifier(int seed = 0)
    {
        manual_seed(seed);
        return new ImageClassifier(FashionMnist.ImageShape, FashionMnist.ClassNames.Count);
    }

    [Fact]
    public void Logits_and_features_have_the_documented_shapes()
    {
        using var model = NewClassifier();
        model.eval();
        using var x = rand(5, 1, 28, 28) * 2 - 1;
        using var logits = model.forward(x);
        using var features = model.Features(x);
        Assert.Equal([5L, 10], logits.shape);
        Assert.Equal([5L, ImageClassifier.FeatureDimension], features.shape);
        Assert.True(features.min().item<float>() >= 0);                                    // after a ReLU
        using var batched = ClassifierInference.Features(model, x, batchSize: 2);            // 2 + 2 + 1
        Assert.True(batched.allclose(features, rtol: 1e-5, atol: 1e-6));
        using var predicted = ClassifierInference.Predict(model, x, batchSize: 3);
        Assert.True(predicted.eq(logits.argmax(1)).all().item<bool>());
    }

    [Fact]
    public void Save_and_load_reproduce_the_logits_exactly()
    {
        using var temp = new TempFolder();
        using var model = NewClassifier(seed: 1);
        model.eval();
        model.Save(temp.File("classifier.bin"), "test classifier");
        var (loaded, description) = ImageClassifier.Load(temp.File("classifier.bin"), CPU);
        using (loaded)
        {
            Assert.Equal("test classifier", description);
            Assert.False(loaded.training);
            using var x = rand(4, 1, 28, 28) * 2 - 1;
            using var a = model.forward(x);
            using var b = loaded.forward(x);
            Assert.True(a.eq(b).all().item<bool>());
        }
    }

    [Fact]
    public void Shapes_come_from_the_constructor_and_survive_save_and_load()
    {
        using var temp = new TempFolder();
        manual_seed(3);
        using var model = new ImageClassifier([3, 17, 9], classCount: 4);                  // odd sizes: pooling floors 17 -> 8 -> 4, 9 -> 4 -> 2
        model.eval();
        using var x = rand(2, 3, 17, 9) * 2 - 1;
        using var logits = model.forward(x);
        Assert.Equal([2L, 4], logits.shape);
        Assert.Equal([ImageClassifier.FeatureDimension, 64L * 4 * 2], model.named_parameters().Single(p => p.name == "hidden.weight").parameter.shape);
        model.Save(temp.File("c.bin"), "three channels");
        var (loaded, description) = ImageClassifier.Load(temp.File("c.bin"), CPU);
        using (loaded)
        {
            Assert.Equal("three channels", description);
            Assert.Equal([3L, 17, 9], loaded.ImageShape);
            Assert.Equal(4, loaded.ClassCount);
            using var again = loaded.forward(x);
            Assert.True(again.eq(logits).all().item<bool>());
        }
    }

    [Fact]
    public void Impossible_shapes_and_mismatched_inputs_are_rejected()
    {
        Assert.Contains("at least 4", Assert.Throws<ArgumentException>(() => new ImageClassifier([1, 3, 28], 10)).Message);
        Assert.Contains("at least 4", Assert.Throws<ArgumentException>(() => new ImageClassifier([1, 28, 3], 10)).Message);
        Assert.Contains("[C, H, W]", Assert.Throws<ArgumentException>(() => new ImageClassifier([28, 28], 10)).Message);
        Assert.Contains("at least 2 classes", Assert.Throws<ArgumentOutOfRangeException>(() => new ImageClassifier([1, 28, 28], 1)).Message);

        using var model = NewClassifier();
        using var wrong = zeros(2, 3, 28, 28);
        Assert.Contains("[B, 1, 28, 28]", Assert.Throws<ArgumentException>(() => model.forward(wrong)).Message);
        using var colour = new ImageDataset(zeros([4, 3, 28, 28], ScalarType.Byte), zeros(4, ScalarType.Int64), FashionMnist.ClassNames, "colour");
        var error = Assert.Throws<ArgumentException>(() => ClassifierInference.Accuracy(model, colour, CPU));
        Assert.Contains("ImageClassifier.For", error.Message);
    }

    [Fact]
    public void A_file_without_the_shape_header_is_rejected_with_its_name()
    {
        using var temp = new TempFolder();
        string path = temp.File("old.bin");
        using var model = NewClassifier();
        using (var buffer = new MemoryStream())
        {
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                writer.Write("a description, as the old format began");
                model.save(writer);
            }
            CheckedFile.Write(path, CheckedFileKind.Classifier, buffer.ToArray());
        }
        var error = Assert.Throws<InvalidDataException>(() => ImageClassifier.Load(path, CPU));
        Assert.Contains(path, error.Message);
        Assert.Contains("header", error.Message);
    }

    [Fact]
    public void The_shipped_classifier_loads_for_fashion_mnist()
    {
        var (model, description) = ImageClassifier.Load(Path.Combine(RepoPaths.Root, "models", "fashion-mnist-classifier.bin"), CPU);
        using (model)
        {
            Assert.Equal(FashionMnist.ImageShape, model.ImageShape);
            Assert.Equal(10, model.ClassCount);
            Assert.Contains("test accuracy 91.31", description);
        }
    }

    [Fact]
    public void A_truncated_or_corrupt_file_is_rejected_with_its_name()
    {
        using var temp = new TempFolder();
        string path = temp.File("classifier.bin");
        using (var model = NewClassifier())
            model.Save(path, "x");
        var bytes = File.ReadAllBytes(path);

        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var truncated = Assert.Throws<InvalidDataException>(() => ImageClassifier.Load(path, CPU));
        Assert.Contains(path, truncated.Message);
        Assert.Contains("truncated", truncated.Message);

        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
        var corrupt = Assert.Throws<InvalidDataException>(() => ImageClassifier.Load(path, CPU));
        Assert.Contains(path, corrupt.Message);
        Assert.Contains("checksum", corrupt.Message);
    }

    [Fact]
    public void One_epoch_on_2000_images_beats_chance_clearly()
    {
        using var train = FashionMnist.Load(DatasetSplit.Train, DataFolder, maxCount: 2000);
        using var test = FashionMnist.Load(DatasetSplit.Test, DataFolder, maxCount: 1000);
        using var model = NewClassifier(seed: 2);
        var steps = new List<ClassifierStep>();
        ClassifierTraining.Train(model, train, epochs: 1, CPU, new Generator(2), steps.Add, batchSize: 64);
        Assert.Equal(2000 / 64, steps.Count);
        Assert.False(model.training);
        double accuracy = ClassifierInference.Accuracy(model, test, CPU);
        Assert.True(accuracy > 0.5, $"test accuracy {accuracy:P1} after one epoch (chance is 10%)");
        Assert.True(steps.TakeLast(5).Average(s => s.Loss) < steps.Take(5).Average(s => s.Loss));

        // The sample helpers on real test images: frequencies near the balanced truth, per-class accuracy averaging to the total.
        var (images, labels) = test.Batch(Enumerable.Range(0, 1000).Select(i => (long)i).ToArray(), CPU);
        using (images)
        using (labels)
        {
            double[] frequencies = SampleEvaluation.ClassFrequencies(model, images);
            Assert.Equal(1.0, frequencies.Sum(), 1e-12);
            double[] perClass = SampleEvaluation.PerClassAccuracy(model, images, labels);
            using var counts = labels.bincount(null, 10);
            double weighted = perClass.Zip(counts.data<long>().ToArray(), (a, n) => a * n).Sum() / 1000;
            Assert.Equal(accuracy, weighted, 1e-12);
        }
    }

    [Fact]
    public void Per_class_accuracy_counts_hits_per_intended_class()
    {
        using var model = NewClassifier();
        using var x = rand(6, 1, 28, 28) * 2 - 1;
        using var predicted = ClassifierInference.Predict(model, x);
        long[] p = predicted.data<long>().ToArray();
        // Ask for the predicted class for images 0..2 (all right), and for (predicted + 1) % 10 for 3..5 (all wrong).
        long[] intended = p.Select((c, i) => i < 3 ? c : (c + 1) % 10).ToArray();
        using var labels = tensor(intended);
        double[] perClass = SampleEvaluation.PerClassAccuracy(model, x, labels);
        for (int c = 0; c < 10; c++)
        {
            int asked = intended.Count(l => l == c), right = Enumerable.Range(0, 3).Count(i => intended[i] == c);
            if (asked == 0)
                Assert.True(double.IsNaN(perClass[c]));
            else
                Assert.Equal((double)right / asked, perClass[c], 1e-12);
        }
        double[] frequencies = SampleEvaluation.ClassFrequencies(model, x);
        for (int c = 0; c < 10; c++)
            Assert.Equal(p.Count(l => l == c) / 6.0, frequencies[c], 1e-12);
    }
}
