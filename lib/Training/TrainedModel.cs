using System.Text.Json;
using Diffusion.Ddpm;
using Diffusion.Models;
using Diffusion.Sampling;
using Diffusion.Storage;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>
/// A trained network together with what it takes to use it: the <see cref="DiffusionProcess"/> it was trained on (its
/// schedule, and what it predicts: eps, x_0 or v), the images it was trained on (<see cref="Data"/>: their shape and
/// classes) and how it came to be. Samplers, guidance and the bound take the network's raw output, <see cref="Output"/>,
/// and read it through the same process:
/// <code>
/// var model = TrainedModel.Load("models/fashion-mnist-small.bin", device);
/// var sampler = SamplerSpec.Parse("ddim:50").Create(model.Process);
/// using var samples = sampler.Sample(model.Output, [16, .. model.ImageShape], generator, device);
/// </code>
/// </summary>
public sealed class TrainedModel
{
    /// <param name="network">The weights to sample from (usually the EMA); not copied.</param>
    /// <param name="info">How it was trained: the process is built from <c>info.Training</c>, the images from <c>info.Data</c>.</param>
    public TrainedModel(UNet network, TrainedModelInfo info) : this(network, info, info.Training.Process())
    {
    }

    /// <summary>A model of a trainer, sharing its process (built once from the same configuration).</summary>
    internal TrainedModel(UNet network, TrainedModelInfo info, DiffusionProcess process)
    {
        Data = info.Data ?? throw new ArgumentException("Say what the model was trained on (TrainedModelInfo.Data).", nameof(info));
        if (Data.ImageShape.Length != 3 || Data.ImageShape[0] != network.Config.ImageChannels)
            throw new ArgumentException($"The network takes {network.Config.ImageChannels} channels but the data is " +
                $"[{string.Join(", ", Data.ImageShape)}].", nameof(info));
        if (network.Config.NumClasses != 0 && network.Config.NumClasses != Data.ClassCount)
            throw new ArgumentException($"The network has {network.Config.NumClasses} classes, the data {Data.ClassCount}.", nameof(info));
        Network = network;
        Info = info;
        Process = process;
    }

    public UNet Network { get; }
    public TrainedModelInfo Info { get; }

    /// <summary>The process the network was trained on; a sampler must use the same one.</summary>
    public DiffusionProcess Process { get; }

    /// <summary>The schedule the network was trained with.</summary>
    public NoiseSchedule Schedule => Process.Schedule;

    /// <summary>What the network outputs.</summary>
    public PredictionTarget Target => Process.Target;

    /// <summary>What it was trained on: the dataset's name, the image shape and the class names.</summary>
    public TrainingData Data { get; }

    /// <summary>[C, H, W] of the images it makes (a fresh array each call).</summary>
    public long[] ImageShape => (long[])Data.ImageShape.Clone();

    /// <summary>0 for an unconditional model, else the number of classes (the null class comes on top).</summary>
    public int ClassCount => Network.Config.NumClasses;

    /// <summary>How it was trained, in words (written by the train command).</summary>
    public string Description => Info.Description;

    /// <summary>The network's raw output (eps, x_0 or v) for x_t [B, C, H, W] at code timesteps t [B]; labels [B] for a conditional model (null: the null class).</summary>
    public Tensor Predict(Tensor xt, Tensor t, Tensor? labels = null) => Network.forward(xt, t, labels);

    /// <summary>The model's noise estimate eps, whatever it outputs (through <see cref="DiffusionProcess.Interpret"/>, unclipped).</summary>
    public Tensor PredictNoise(Tensor xt, Tensor t, Tensor? labels = null)
    {
        using var output = Predict(xt, t, labels);                                             // eps, x_0 or v   [B, C, H, W]
        using var denoised = Process.Interpret(output, xt, t, clipX0: false);
        return denoised.Eps.alias();
    }

    /// <summary>The network as samplers and the bound call it (the null class for a conditional model).</summary>
    public ModelOutput Output => (xt, t) => Predict(xt, t);

    /// <summary>Classifier-free guidance toward <paramref name="labels"/> [B] with scale s (see <see cref="ClassifierFreeGuidance"/>).</summary>
    public ModelOutput Guided(Tensor labels, double scale)
    {
        if (ClassCount == 0)
            throw new InvalidOperationException("The model is unconditional (it has no classes); guidance needs a class-conditional model.");
        return ClassifierFreeGuidance.Guide(Predict, labels, Network.NullClass, scale);
    }

    /// <summary>Writes the network's configuration, <see cref="Info"/> and weights to a checked file (atomic, checksummed).</summary>
    public void Save(string path) => WeightsFile.Write(path, CheckedFileKind.TrainedModel, new Header(Network.Config, Info),
        writer => Network.save(writer));

    /// <summary>Loads a model (network in eval mode, on <paramref name="device"/>); the file is fully validated first.</summary>
    /// <exception cref="InvalidDataException">Not a trained-model file, truncated or corrupt; the message names the file.</exception>
    public static TrainedModel Load(string path, Device device) =>
        WeightsFile.Read<Header, TrainedModel>(path, CheckedFileKind.TrainedModel, (header, reader) =>
        {
            var info = header.Info with { Data = header.Info.Data ?? TrainingData.InferredFrom(header.Network.ImageChannels, path) };
            var network = new UNet(header.Network);
            network.load(reader);
            network.to(device).eval();
            return new TrainedModel(network, info);
        }, readVersion1Header: reader => new Header(
            JsonSerializer.Deserialize<UNetConfig>(reader.ReadString(), WeightsFile.Json)!,
            JsonSerializer.Deserialize<TrainedModelInfo>(reader.ReadString(), WeightsFile.Json)!));

    /// <summary>What a model file holds before its weights.</summary>
    private sealed record Header(UNetConfig Network, TrainedModelInfo Info);
}
