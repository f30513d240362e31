using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Ddpm;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// A trained network together with what it takes to use it: the <see cref="NoiseSchedule"/> it was trained with, what it
/// predicts (<see cref="PredictionTarget"/>: eps, x_0 or v) and its class count. Samplers, guidance and the bound all
/// work with noise predictions, so <see cref="Noise"/> converts the network's output to eps (through
/// <see cref="ForwardProcess"/>) whatever it was trained to output:
/// <code>
/// var model = TrainedModel.Load("models/fashion-mnist-small.bin", device);
/// var sampler = SamplerSpec.Parse("ddim:50").Create(model.Schedule);
/// using var samples = sampler.Sample(model.Noise, [16, 1, 28, 28], generator, device);
/// </code>
/// </summary>
public sealed class TrainedModel
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, WriteIndented = true };
    private readonly ForwardProcess _forward;

    /// <param name="network">The weights to sample from (usually the EMA); not copied.</param>
    /// <param name="info">How it was trained: the schedule and target are taken from <c>info.Training</c>.</param>
    public TrainedModel(UNet network, TrainedModelInfo info)
    {
        Network = network;
        Info = info;
        Schedule = NoiseSchedule.Create(info.Training.Schedule, info.Training.DiffusionSteps);
        _forward = new ForwardProcess(Schedule);
    }

    public UNet Network { get; }
    public TrainedModelInfo Info { get; }

    /// <summary>The schedule the network was trained with; a sampler must use the same one.</summary>
    public NoiseSchedule Schedule { get; }

    /// <summary>What the network outputs.</summary>
    public PredictionTarget Target => Info.Training.Target;

    /// <summary>0 for an unconditional model, else the number of classes (the null class comes on top).</summary>
    public int ClassCount => Network.Config.NumClasses;

    /// <summary>How it was trained, in words (written by the train command).</summary>
    public string Description => Info.Description;

    /// <summary>The model's noise estimate eps for x_t [B, C, H, W] at code timesteps t [B]; labels [B] for a conditional model (null: the null class).</summary>
    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor? labels = null)
    {
        using var output = Network.forward(xt, t, labels);                                     // eps, x_0 or v   [B, C, H, W]
        return _forward.EpsFromPrediction(Target, output, xt, t);
    }

    /// <summary>The model as the noise predictor samplers and the bound take (the null class for a conditional model).</summary>
    public NoisePredictor Noise => (xt, t) => PredictNoise(xt, t);

    /// <summary>Classifier-free guidance toward <paramref name="labels"/> [B] with scale s (see <see cref="ClassifierFreeGuidance"/>).</summary>
    public NoisePredictor Guided(Tensor labels, double scale)
    {
        if (ClassCount == 0)
            throw new InvalidOperationException("The model is unconditional (it has no classes); guidance needs a class-conditional model.");
        return ClassifierFreeGuidance.Guide(PredictNoise, labels, Network.NullClass, scale);
    }

    /// <summary>Writes the network's configuration, <see cref="Info"/> and weights to a checked file (atomic, checksummed).</summary>
    public void Save(string path)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(Network.Config, Json));
            writer.Write(JsonSerializer.Serialize(Info, Json));
            Network.save(writer);
        }
        CheckedFile.Write(path, CheckedFileKind.TrainedModel, buffer.ToArray());
    }

    /// <summary>Loads a model (network in eval mode, on <paramref name="device"/>); the file is fully validated first.</summary>
    /// <exception cref="InvalidDataException">Not a trained-model file, truncated or corrupt; the message names the file.</exception>
    public static TrainedModel Load(string path, Device device)
    {
        var payload = CheckedFile.Read(path, CheckedFileKind.TrainedModel);
        using var reader = new BinaryReader(new MemoryStream(payload));
        var config = JsonSerializer.Deserialize<UNetConfig>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"{path}: the model configuration is empty.");
        var info = JsonSerializer.Deserialize<TrainedModelInfo>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"{path}: the model description is empty.");
        var network = new UNet(config);
        network.load(reader);
        network.to(device).eval();
        return new TrainedModel(network, info);
    }
}
