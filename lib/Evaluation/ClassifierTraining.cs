using Diffusion.Data;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// Trains an <see cref="ImageClassifier"/> (<see cref="ClassifierInference"/> applies it): plain supervised learning, the yardstick for the diffusion
/// models' samples.
///
///   1. take a batch of images x in [-1, 1] and their labels y, in a fresh random order every epoch
///   2. logits = model(x), loss = cross-entropy(logits, y)
///   3. an AdamW step (Loshchilov and Hutter 2019) with decoupled weight decay, the learning rate following a cosine
///      from its peak to 0 over the run (<see cref="CosineDecay"/>)
/// </summary>
public static class ClassifierTraining
{
    /// <param name="model">A classifier for <paramref name="data"/>'s image shape and classes (see <see cref="ImageClassifier.For"/>).</param>
    /// <param name="generator">Orders the data; initial weights and dropout use the global generator (seed it first).</param>
    /// <exception cref="ArgumentException">The model was built for another image shape or class count, or the data is smaller than one batch.</exception>
    public static void Train(ImageClassifier model, ImageDataset data, int epochs, Device device, Generator generator,
        Action<ClassifierStep>? onStep = null, int batchSize = 128, double learningRate = 1e-3, double weightDecay = 0.05)
    {
        if (epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Train for at least one epoch.");
        RequireMatch(model, data);
        model.to(device).train();
        using var optimizer = optim.AdamW(model.parameters(), lr: learningRate, weight_decay: weightDecay);
        long perEpoch = data.Count / batchSize, total = epochs * perEpoch, step = 0;
        if (perEpoch == 0)
            throw new ArgumentException($"The dataset has {data.Count} images, fewer than one batch of {batchSize}.", nameof(data));
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            foreach (long[] indices in data.ShuffledBatches(batchSize, generator))
            {
                using var scope = NewDisposeScope();
                var (x, y) = data.Batch(indices, device);                                     // [B, C, H, W], [B]   step 1
                var logits = model.forward(x);                                                 // [B, K]
                var loss = nn.functional.cross_entropy(logits, y);                             // step 2
                double rate = CosineDecay.At(learningRate, step / (double)total);               // step 3
                foreach (var group in optimizer.ParamGroups)
                    group.LearningRate = rate;
                optimizer.zero_grad();
                loss.backward();
                optimizer.step();
                step++;
                double accuracy = logits.argmax(1).eq(y).to_type(ScalarType.Float32).mean().item<float>();
                onStep?.Invoke(new ClassifierStep(step, total, epoch, loss.item<float>(), accuracy, rate));
            }
        }
        model.eval();
    }

    /// <summary>Throws unless <paramref name="model"/> was built for <paramref name="data"/>'s image shape and class count.</summary>
    internal static void RequireMatch(ImageClassifier model, ImageDataset data)
    {
        if (!model.ImageShape.SequenceEqual(data.ImageShape) || model.ClassCount != data.ClassCount)
            throw new ArgumentException(
                $"The classifier takes [{string.Join(", ", model.ImageShape)}] images and {model.ClassCount} classes, but {data.Name} has " +
                $"[{string.Join(", ", data.ImageShape)}] images and {data.ClassCount} classes; build it with ImageClassifier.For(data).", nameof(data));
    }
}
