using Diffusion.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Evaluation;

/// <summary>
/// A trained <see cref="ImageClassifier"/> applied to many images at once, in slices, in eval mode and without
/// gradients: its predicted classes, its features (for the Frechet distance), and its accuracy on a dataset.
/// </summary>
public static class ClassifierInference
{
    /// <summary>Fraction of all images in <paramref name="data"/> the model labels correctly.</summary>
    /// <exception cref="ArgumentException">The model was built for another image shape or class count.</exception>
    public static double Accuracy(ImageClassifier model, ImageDataset data, Device device, int batchSize = 500)
    {
        ClassifierTraining.RequireMatch(model, data);
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
}
