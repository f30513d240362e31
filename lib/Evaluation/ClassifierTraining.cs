using Diffusion.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// Trains and applies a <see cref="FashionClassifier"/>: plain supervised learning, the yardstick for the diffusion
/// models' samples.
///
///   1. take a batch of images x in [-1, 1] and their labels y, in a fresh random order every epoch
///   2. logits = model(x), loss = cross-entropy(logits, y)
///   3. an AdamW step (Loshchilov and Hutter 2019) with decoupled weight decay, the learning rate following a cosine
///      from its peak to 0 over the run (Loshchilov and Hutter 2017, eq. 5, one cycle without restarts)
/// </summary>
public static class ClassifierTraining
{
    /// <param name="generator">Orders the data; initial weights and dropout use the global generator (seed it first).</param>
    public static void Train(FashionClassifier model, FashionMnist data, int epochs, Device device, Generator generator,
        Action<ClassifierStep>? onStep = null, int batchSize = 128, double learningRate = 1e-3, double weightDecay = 0.05)
    {
        if (epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(epochs), epochs, "Train for at least one epoch.");
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
                var (x, y) = data.Batch(indices, device);                                     // [B, 1, 28, 28], [B]   step 1
                var logits = model.forward(x);                                                 // [B, 10]
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
    public static double Accuracy(FashionClassifier model, FashionMnist data, Device device, int batchSize = 500)
    {
        model.to(device);
        long correct = 0;
        for (int start = 0; start < data.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            long[] indices = Enumerable.Range(start, Math.Min(batchSize, data.Count - start)).Select(i => (long)i).ToArray();
            var (x, y) = data.Batch(indices, device);                                         // [B, 1, 28, 28], [B]
            correct += Predict(model, x).eq(y).sum().item<long>();
        }
        return (double)correct / data.Count;
    }

    /// <summary>The most likely class of each image (in [-1, 1]), in eval mode and without gradients. [N]</summary>
    public static Tensor Predict(FashionClassifier model, Tensor images, int batchSize = 500) =>
        Batched(model, images, batchSize, x => model.forward(x).argmax(1));

    /// <summary>The penultimate features of each image, in eval mode and without gradients. [N, 128]</summary>
    public static Tensor Features(FashionClassifier model, Tensor images, int batchSize = 500) =>
        Batched(model, images, batchSize, model.Features);

    /// <summary>Applies <paramref name="apply"/> to slices of [N, 1, 28, 28] on the model's device; results on the images' device.</summary>
    private static Tensor Batched(FashionClassifier model, Tensor images, int batchSize, Func<Tensor, Tensor> apply)
    {
        if (images.dim() != 4 || images.shape[0] == 0)
            throw new ArgumentException($"Images must be [N, 1, 28, 28] with N > 0, not [{string.Join(", ", images.shape)}].", nameof(images));
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
                var x = images.narrow(0, start, Math.Min(batchSize, n - start)).to(device);   // [b, 1, 28, 28]
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
}
