using System.Diagnostics;
using System.Globalization;
using Diffusion.Course;
using Diffusion.Data;
using Diffusion.Evaluation;
using Diffusion.Display;
using TorchSharp;

namespace DiffusionCli;

/// <summary>
/// diffusion classifier --out PATH [--epochs 5] [--seed 0] [--batch 128] [--lr 1e-3] [--max-images N]
/// Trains the Fashion-MNIST <see cref="ImageClassifier"/> that judges samples (class frequencies, Frechet distance)
/// and saves it with a description of how it was trained and its accuracy on all 10,000 test images.
/// </summary>
public static class ClassifierCommand
{
    public static int Run(Options options)
    {
        string output = options.String("out", "");
        if (output == "")
            throw new ArgumentException("--out PATH is required: where the classifier goes (e.g. models/fashion-mnist-classifier.bin).");
        output = Path.GetFullPath(output);
        int epochs = (int)options.Long("epochs", 5);                                     // the shipped file: 5 epochs, seed 0
        long seed = options.Long("seed", 0);
        int batchSize = (int)options.Long("batch", 128);
        double learningRate = options.Double("lr", 1e-3);
        int? maxImages = options.Long("max-images", 0) is var m and > 0 ? (int)m : null;
        options.RejectUnknown();

        var device = TorchRuntime.BestDevice();
        var course = CourseSettings.FromEnvironment();
        using var train = FashionMnist.Load(DatasetSplit.Train, course.DataFolder, maxImages, Console.WriteLine);
        using var test = FashionMnist.Load(DatasetSplit.Test, course.DataFolder, log: Console.WriteLine);
        torch.manual_seed(seed);                                                  // the initial weights and dropout
        using var model = ImageClassifier.For(train);
        Console.WriteLine($"Training the classifier ({model.parameters().Sum(p => p.numel()):N0} parameters) on {device} with " +
                          $"{torch.get_num_threads()} threads: {train.Count} images, batch {batchSize}, {epochs} epochs.");

        var clock = Stopwatch.StartNew();
        var recent = new Queue<(double Loss, double Accuracy)>();
        ClassifierTraining.Train(model, train, epochs, device, new torch.Generator((ulong)seed), step =>
        {
            recent.Enqueue((step.Loss, step.Accuracy));
            if (recent.Count > 100) recent.Dequeue();
            if (step.Step % 100 == 0 || step.Step == step.TotalSteps)
            {
                double perSecond = step.Step * batchSize / clock.Elapsed.TotalSeconds;
                var eta = TimeSpan.FromSeconds((step.TotalSteps - step.Step) * batchSize / Math.Max(perSecond, 1e-9));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"step {step.Step,6}/{step.TotalSteps}  epoch {step.Epoch,2}  loss {recent.Average(r => r.Loss):F4}  " +
                    $"train acc {recent.Average(r => r.Accuracy):P1}  lr {step.LearningRate:G3}  {perSecond,5:F0} img/s  eta {eta:hh\\:mm\\:ss}"));
            }
        }, batchSize, learningRate);
        var trainingTime = clock.Elapsed;

        double accuracy = ClassifierInference.Accuracy(model, test, device);
        string description = string.Create(CultureInfo.InvariantCulture,
            $"ImageClassifier ({model.Architecture}), {epochs} epochs of batch {batchSize} " +
            $"on {train.Count} images of {train.Name}, AdamW lr {learningRate:G3} cosine to 0, seed {seed}; " +
            $"test accuracy {accuracy:P2} on all {test.Count} images of {test.Name}; trained on {device} in {trainingTime:hh\\:mm\\:ss}");
        model.Save(output, description);
        Console.WriteLine($"Test accuracy {accuracy:P2} ({test.Count} images). Trained in {trainingTime:hh\\:mm\\:ss}. Saved {output}");
        return 0;
    }
}
