using Diffusion.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// Trains and applies an <see cref="ImageClassifier"/>: plain supervised learning, the yardstick for the diffusion
/// models' samples.
///
///   1. take a batch of images x in [-1, 1] and their labels y, in a fresh random order every epoch
///   2. logits = model(x), loss = cross-entropy(logits, y)
///   3. an AdamW step (Loshchilov and Hutter 2019) with decoupled weight decay, the learning rate following a cosine
///      from its peak to 0 over the run (Loshchilov and Hutter 2017, eq. 5, one cycle without restarts)
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
                double rate = learningRate * 0.5 * (1 + Math.Cos(Math.PI * step / total));    // step 3
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

    /// <summary>Fraction of all images in <paramref name="data"/> the model labels correctly.</summary>
    /// <exception cref="ArgumentException">The model was built for another image shape or class count.</exception>
    public static double Accuracy(ImageClassifier model, ImageDataset data, Device device, int batchSize = 500)
    {
        RequireMatch(model, data);
        model.to(device);
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long[] indices = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).Select(i => (long)i).ToArray();
            var (x, y) = data.Batch(indices, device);                                         // [B, C, H, W], [B]
            correct += Predict(model, x).eq(y).sum().item<long>();
        }
        return (double)correct / data.Count;
    }

    /// <summary>The most likely class of each image (in [-1, 1], [N, C, H, W]), in eval mode and without gradients. [N]</summary>
    public static Tensor Predict(ImageClassifier model, Tensor images, int batchSize = 500) =>
        Batched(model, images, batchSize, x => model.forward(x).argmax(1));

    /// <summary>The penultimate features of each image (in [-1, 1], [N, C, H, W]), in eval mode and without gradients. [N, 128]</summary>
    public static Tensor Features(ImageClassifier model, Tensor images, int batchSize = 500) =>
        Batched(model, images, batchSize, model.Features);

    /// <summary>Applies <paramref name="apply"/> to slices of [N, C, H, W] on the model's device; results on the images' device.</summary>
    private static Tensor Batched(ImageClassifier model, Tensor images, int batchSize, Func<Tensor, Tensor> apply)
    {
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"Images must be [N, C, H, W] with N > 0, not [{string.Join(", ", images.shape)}].", nameof(images));
        bool wasTraining = model.training;
        model.eval();
        try
        {
            using var outer = NewDisposeScope();
            using var noGrad = no_grad();
            var device = model.parameters().First().device;
            long n = images.shape[0];
            var parts = new List<Tensor>();
            for (long start = 0; start < n; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var x = images.narrow(0, start, Math.Min(batchSize, n - start)).to(device);   // [b, C, H, W]
                parts.Add(apply(x).to(images.device).MoveToOuterDisposeScope());
            }
            return cat(parts, 0).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining)
                model.train();
        }
    }

    /// <summary>Throws unless <paramref name="model"/> was built for <paramref name="data"/>'s image shape and class count.</summary>
    private static void RequireMatch(ImageClassifier model, ImageDataset data)
    {
        if (!model.ImageShape.SequenceEqual(data.ImageShape) || model.ClassCount != data.ClassCount)
            throw new ArgumentException(
                $"The classifier takes [{string.Join(", ", model.ImageShape)}] images and {model.ClassCount} classes, but {data.Name} has " +
                $"[{string.Join(", ", data.ImageShape)}] images and {data.ClassCount} classes; build it with ImageClassifier.For(data).", nameof(data));
    }
}
