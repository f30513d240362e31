using System.Text.Json;
using Diffusion.Data;
using Diffusion.Storage;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Convolution = Diffusion.Models.Convolution;

namespace Diffusion.Evaluation;

/// <summary>
/// A small CNN that tells the classes of an image dataset apart, used to judge generated images: which class each
/// sample looks like, and (through its penultimate features) how far the samples' feature distribution is from the
/// real one, a Frechet distance in the manner of FID (Heusel et al. 2017) with this network in place of Inception.
/// Its input shape [C, H, W] and class count K come from the constructor (or the data, with <see cref="For"/>):
///
///   x [B, C, H, W] in [-1, 1]
///     conv 3x3 -> 32, ReLU, conv 3x3 -> 32, ReLU, max-pool 2     [B, 32, H/2, W/2]
///     conv 3x3 -> 64, ReLU, conv 3x3 -> 64, ReLU, max-pool 2     [B, 64, H/4, W/4]     (integer division, as pooling floors)
///     flatten, linear -> 128, ReLU                                [B, 128]   the features
///     dropout, linear -> K                                        [B, K]     the logits
///
/// For Fashion-MNIST ([1, 28, 28], 10 classes) the pooled map is [B, 64, 7, 7].
/// Submodule fields are named without an underscore: TorchSharp uses field names as checkpoint keys.
/// </summary>
public sealed class ImageClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Length of the feature vector <see cref="Features"/> returns.</summary>
    public const int FeatureDimension = 128;

    private readonly long[] _imageShape;

    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> conv3;
    private readonly nn.Module<Tensor, Tensor> conv4;
    private readonly Linear hidden;
    private readonly Dropout dropout;
    private readonly Linear classify;

    /// <param name="imageShape">The shape of one input image, [C, H, W]; H and W at least 4 (two 2x poolings).</param>
    /// <param name="classCount">K, the number of classes (at least 2).</param>
    /// <param name="dropout">Dropout before the last layer, active in training mode only.</param>
    /// <exception cref="ArgumentException">The shape is not [C, H, W] with C >= 1 and H, W >= 4.</exception>
    /// <exception cref="ArgumentOutOfRangeException">Fewer than two classes.</exception>
    public ImageClassifier(long[] imageShape, int classCount, double dropout = 0.3) : base(nameof(ImageClassifier))
    {
        ArgumentNullException.ThrowIfNull(imageShape);
        if (imageShape.Length != 3 || imageShape[0] < 1)
            throw new ArgumentException(
                $"The image shape must be [C, H, W] with C >= 1, not [{string.Join(", ", imageShape)}].", nameof(imageShape));
        if (imageShape[1] < 4 || imageShape[2] < 4)
            throw new ArgumentException(
                $"Images of {imageShape[1]} x {imageShape[2]} pixels are too small: two 2x max-poolings need H and W of at least 4.",
                nameof(imageShape));
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A classifier needs at least 2 classes.");
        _imageShape = (long[])imageShape.Clone();
        ClassCount = classCount;

        int channels = checked((int)imageShape[0]);
        long pooledHeight = imageShape[1] / 2 / 2, pooledWidth = imageShape[2] / 2 / 2;
        conv1 = Convolution.Create(channels, 32, 3, padding: 1);
        conv2 = Convolution.Create(32, 32, 3, padding: 1);
        conv3 = Convolution.Create(32, 64, 3, padding: 1);
        conv4 = Convolution.Create(64, 64, 3, padding: 1);
        hidden = nn.Linear(64 * pooledHeight * pooledWidth, FeatureDimension);
        this.dropout = nn.Dropout(dropout);
        classify = nn.Linear(FeatureDimension, classCount);
        RegisterComponents();
    }

    /// <summary>A classifier for <paramref name="data"/>'s image shape and classes.</summary>
    public static ImageClassifier For(ImageDataset data, double dropout = 0.3) =>
        new(data.ImageShape, data.ClassCount, dropout);

    /// <summary>The shape of one input image, [C, H, W] (a fresh array each call).</summary>
    public long[] ImageShape => (long[])_imageShape.Clone();

    /// <summary>K, the number of classes (the length of each logit vector).</summary>
    public int ClassCount { get; }

    /// <summary>The layers in one line, e.g. "conv32-conv32-pool-conv64-conv64-pool-fc128-fc10 on 1x28x28".</summary>
    public string Architecture =>
        $"conv32-conv32-pool-conv64-conv64-pool-fc{FeatureDimension}-fc{ClassCount} on {string.Join("x", _imageShape)}";

    /// <param name="x">Images in [-1, 1]. [B, C, H, W]</param>
    /// <returns>Class logits. [B, K]</returns>
    public override Tensor forward(Tensor x) => classify.forward(dropout.forward(Features(x)));

    /// <summary>The penultimate activations, after the ReLU. [B, 128]</summary>
    /// <param name="x">Images in [-1, 1]. [B, C, H, W]</param>
    /// <exception cref="ArgumentException">The images are not [B, C, H, W] with this classifier's C, H and W.</exception>
    public Tensor Features(Tensor x)
    {
        if (x.dim() != 4 || !x.shape.AsSpan(1).SequenceEqual(_imageShape))
            throw new ArgumentException(
                $"This classifier takes images [B, {string.Join(", ", _imageShape)}], not [{string.Join(", ", x.shape)}].", nameof(x));
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(conv1.forward(x));                                    // [B, 32, H, W]
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(h)), 2);           // [B, 32, H/2, W/2]
        h = nn.functional.relu(conv3.forward(h));                                        // [B, 64, H/2, W/2]
        h = nn.functional.max_pool2d(nn.functional.relu(conv4.forward(h)), 2);           // [B, 64, H/4, W/4]
        var features = nn.functional.relu(hidden.forward(h.flatten(1)));                  // [B, 128]
        return features.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Writes a checked file (<see cref="WeightsFile"/>) whose header holds the image shape and class count, from which
    /// <see cref="Load"/> rebuilds the architecture, and the description (how it was trained, how accurate it is), then
    /// the weights.
    /// </summary>
    public void Save(string path, string description) =>
        WeightsFile.Write(path, CheckedFileKind.Classifier, new ClassifierHeader(_imageShape, ClassCount, description),
            writer => this.save(writer));

    /// <summary>Loads a classifier (in eval mode, on <paramref name="device"/>) and its description; the file is fully validated first.</summary>
    /// <exception cref="InvalidDataException">Not a classifier file, truncated, corrupt, or without the shape header; the message names the file.</exception>
    public static (ImageClassifier Model, string Description) Load(string path, Device device) =>
        WeightsFile.Read<ClassifierHeader, (ImageClassifier, string)>(path, CheckedFileKind.Classifier, (header, reader) =>
        {
            if (header.ImageShape is null)
                throw new InvalidDataException($"{path} has no image-classifier header (image shape and class count).");
            ImageClassifier model;
            try
            {
                model = new ImageClassifier(header.ImageShape, header.ClassCount);
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{path}: the classifier header describes no valid classifier: {e.Message}", e);
            }
            model.load(reader);
            model.to(device).eval();
            return (model, header.Description ?? "");
        }, readVersion1Header: reader =>
        {
            var header = JsonSerializer.Deserialize<ClassifierHeader>(reader.ReadString(), WeightsFile.Json)!;   // then the description
            return header with { Description = reader.ReadString() };
        });

    /// <summary>What <see cref="Load"/> needs to rebuild the architecture before reading the weights.</summary>
    private sealed record ClassifierHeader(long[] ImageShape, int ClassCount, string? Description = null);
}
