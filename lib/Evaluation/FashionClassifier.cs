using Diffusion.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Convolution = Diffusion.Models.Convolution;

namespace Diffusion.Evaluation;

/// <summary>
/// A small CNN that tells the ten Fashion-MNIST classes apart, used to judge generated images: which class each
/// sample looks like, and (through its penultimate features) how far the samples' feature distribution is from the
/// real one, a Frechet distance in the manner of FID (Heusel et al. 2017) with this network in place of Inception.
///
///   x [B, 1, 28, 28] in [-1, 1]
///     conv 3x3 -> 32, ReLU, conv 3x3 -> 32, ReLU, max-pool 2     [B, 32, 14, 14]
///     conv 3x3 -> 64, ReLU, conv 3x3 -> 64, ReLU, max-pool 2     [B, 64, 7, 7]
///     flatten, linear -> 128, ReLU                                [B, 128]   the features
///     dropout, linear -> 10                                       [B, 10]    the logits
///
/// Submodule fields are named without an underscore: TorchSharp uses field names as checkpoint keys.
/// </summary>
public sealed class FashionClassifier : nn.Module<Tensor, Tensor>
{
    /// <summary>Length of the feature vector <see cref="Features"/> returns.</summary>
    public const int FeatureDimension = 128;

    public const int ClassCount = 10;

    private readonly nn.Module<Tensor, Tensor> conv1;
    private readonly nn.Module<Tensor, Tensor> conv2;
    private readonly nn.Module<Tensor, Tensor> conv3;
    private readonly nn.Module<Tensor, Tensor> conv4;
    private readonly Linear hidden;
    private readonly Dropout dropout;
    private readonly Linear classify;

    /// <param name="dropout">Dropout before the last layer, active in training mode only.</param>
    public FashionClassifier(double dropout = 0.3) : base(nameof(FashionClassifier))
    {
        conv1 = Convolution.Create(1, 32, 3, padding: 1);
        conv2 = Convolution.Create(32, 32, 3, padding: 1);
        conv3 = Convolution.Create(32, 64, 3, padding: 1);
        conv4 = Convolution.Create(64, 64, 3, padding: 1);
        hidden = nn.Linear(64 * 7 * 7, FeatureDimension);
        this.dropout = nn.Dropout(dropout);
        classify = nn.Linear(FeatureDimension, ClassCount);
        RegisterComponents();
    }

    /// <param name="x">Images in [-1, 1]. [B, 1, 28, 28]</param>
    /// <returns>Class logits. [B, 10]</returns>
    public override Tensor forward(Tensor x) => classify.forward(dropout.forward(Features(x)));

    /// <summary>The penultimate activations, after the ReLU. [B, 128]</summary>
    public Tensor Features(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.relu(conv1.forward(x));                                    // [B, 32, 28, 28]
        h = nn.functional.max_pool2d(nn.functional.relu(conv2.forward(h)), 2);           // [B, 32, 14, 14]
        h = nn.functional.relu(conv3.forward(h));                                        // [B, 64, 14, 14]
        h = nn.functional.max_pool2d(nn.functional.relu(conv4.forward(h)), 2);           // [B, 64, 7, 7]
        var features = nn.functional.relu(hidden.forward(h.flatten(1)));                  // [B, 128]
        return features.MoveToOuterDisposeScope();
    }

    /// <summary>Writes the weights and a description (how it was trained, how accurate it is) to a checked file.</summary>
    public void Save(string path, string description)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(description);
            this.save(writer);
        }
        CheckedFile.Write(path, CheckedFileKind.Classifier, buffer.ToArray());
    }

    /// <summary>Loads a classifier (in eval mode, on <paramref name="device"/>) and its description; the file is fully validated first.</summary>
    /// <exception cref="InvalidDataException">Not a classifier file, truncated or corrupt; the message names the file.</exception>
    public static (FashionClassifier Model, string Description) Load(string path, Device device)
    {
        var payload = CheckedFile.Read(path, CheckedFileKind.Classifier);
        using var reader = new BinaryReader(new MemoryStream(payload));
        string description = reader.ReadString();
        var model = new FashionClassifier();
        model.load(reader);
        model.to(device).eval();
        return (model, description);
    }
}
