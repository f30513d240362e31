using System.Text.Json;
using System.Text.Json.Serialization;
using Diffusion.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Diffusion.Training;

/// <summary>How a trained model came to be: its training configuration, how long it trained, and in words.</summary>
public sealed record TrainedModelInfo(TrainingConfig Training, long Steps, int Epochs, string Description);

/// <summary>A file holding a network's weights (usually the EMA) with its configuration, for sampling.</summary>
public static class TrainedModel
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, WriteIndented = true };

    public static void Save(string path, UNet model, TrainedModelInfo info)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(model.Config, Json));
            writer.Write(JsonSerializer.Serialize(info, Json));
            model.save(writer);
        }
        CheckedFile.Write(path, CheckedFileKind.TrainedModel, buffer.ToArray());
    }

    /// <summary>Loads the network (in eval mode, on <paramref name="device"/>) and its info; the file is fully validated first.</summary>
    public static (UNet Model, TrainedModelInfo Info) Load(string path, Device device)
    {
        var payload = CheckedFile.Read(path, CheckedFileKind.TrainedModel);
        using var reader = new BinaryReader(new MemoryStream(payload));
        var config = JsonSerializer.Deserialize<UNetConfig>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"{path}: the model configuration is empty.");
        var info = JsonSerializer.Deserialize<TrainedModelInfo>(reader.ReadString(), Json)
            ?? throw new InvalidDataException($"{path}: the model description is empty.");
        var model = new UNet(config);
        model.load(reader);
        model.to(device).eval();
        return (model, info);
    }
}
