using Diffusion.Data;
using Diffusion.Evaluation;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Tests;

/// <summary>
/// The library is not tied to Fashion-MNIST: a classifier and a diffusion model train on a made-up dataset of another
/// shape (3 x 16 x 16 colour images of three shapes), taking every shape from the data.
/// </summary>
public class SyntheticDatasetTests
{
    private const int Size = 16;
    private static readonly string[] ShapeNames = ["red square", "green cross", "blue bar"];

    [Fact]
    public void A_classifier_built_for_the_data_learns_the_three_shapes()
    {
        using var train = Shapes(count: 480, seed: 1);
        using var heldOut = Shapes(count: 150, seed: 2);
        manual_seed(0);
        using var model = ImageClassifier.For(train);
        Assert.Equal([3L, Size, Size], model.ImageShape);
        Assert.Equal(3, model.ClassCount);

        var steps = new List<ClassifierStep>();
        ClassifierTraining.Train(model, train, epochs: 3, CPU, new Generator(0), steps.Add, batchSize: 32);
        Assert.Equal(3 * (480 / 32), steps.Count);
        double accuracy = ClassifierInference.Accuracy(model, heldOut, CPU);
        Assert.True(accuracy > 0.8, $"held-out accuracy {accuracy:P1} (chance is 33%)");
    }

    [Fact]
    public void A_tiny_UNet_trains_on_the_data_and_samples_images_of_its_shape()
    {
        using var data = Shapes(count: 320, seed: 3);
        manual_seed(0);
        using var trainer = new Trainer(new UNet(UNetConfig.Tiny with { ImageChannels = 3 }),
            new TrainingConfig { BatchSize = 32, LearningRate = 1e-3, WarmupSteps = 10 }, CPU, seed: 0);
        var losses = new List<double>();
        trainer.Fit(data, totalSteps: 60, onStep: r => losses.Add(r.Loss));
        double first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        Assert.True(last < 0.8 * first, $"mean loss went from {first:F3} to {last:F3}");

        using var noGrad = no_grad();
        using var xT = randn([4, .. data.ImageShape], generator: new Generator(4));                // [4, 3, 16, 16]
        using var result = new DdimSampler(trainer.Process, 10, clipX0: true).Sample((x, t) => trainer.Ema.forward(x, t), xT);
        Assert.Equal([4L, 3, Size, Size], result.Images.shape);
        Assert.True(result.Images.isfinite().all().item<bool>());
    }

    /// <summary>
    /// <paramref name="count"/> images [N, 3, 16, 16] on a dim noisy background, one shape each at a random place and size,
    /// class i % 3: 0 a red square, 1 a green cross, 2 a blue horizontal bar.
    /// </summary>
    private static ImageDataset Shapes(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 3 * Size * Size];
        var labels = new long[count];
        for (int i = 0; i < count; i++)
        {
            int label = i % 3;
            labels[i] = label;
            int offset = i * 3 * Size * Size;
            for (int p = 0; p < 3 * Size * Size; p++)
                pixels[offset + p] = (byte)random.Next(0, 40);
            byte bright = (byte)random.Next(180, 256);
            void Paint(int row, int col) => pixels[offset + label * Size * Size + row * Size + col] = bright;   // channel = label: R, G, B

            switch (label)
            {
                case 0:
                {
                    int side = random.Next(4, 9), top = random.Next(0, Size - side + 1), left = random.Next(0, Size - side + 1);
                    for (int r = top; r < top + side; r++)
                        for (int c = left; c < left + side; c++)
                            Paint(r, c);
                    break;
                }
                case 1:
                {
                    int arm = random.Next(2, 5), row = random.Next(arm, Size - arm - 1), col = random.Next(arm, Size - arm - 1);
                    for (int d = -arm; d <= arm; d++)
                        for (int w = 0; w < 2; w++)
                        {
                            Paint(row + w, col + d);
                            Paint(row + d, col + w);
                        }
                    break;
                }
                default:
                {
                    int width = random.Next(8, 15), height = random.Next(2, 4);
                    int top = random.Next(0, Size - height + 1), left = random.Next(0, Size - width + 1);
                    for (int r = top; r < top + height; r++)
                        for (int c = left; c < left + width; c++)
                            Paint(r, c);
                    break;
                }
            }
        }
        return new ImageDataset(tensor(pixels, [count, 3, Size, Size], ScalarType.Byte), tensor(labels, [count]), ShapeNames,
            $"synthetic shapes (seed {seed})");
    }
}
