using System.Text.Json;
using System.Text.Json.Serialization;

namespace Diffusion.Storage;

/// <summary>
/// The one layout of every file of weights the course writes (trained models, training checkpoints, classifiers), inside
/// a <see cref="CheckedFile"/> (atomic, checksummed):
///
///   header   one JSON text (a length-prefixed string): everything needed to rebuild the objects before reading weights
///   body     the weights and other binary state, written and read by the owner
///
/// with one set of JSON options for all of them. Files of format version 1, whose payloads each kind laid out its own
/// way, are read through the owner's <c>readVersion1Header</c>, which leaves the reader at the start of the body.
/// </summary>
public static class WeightsFile
{
    /// <summary>The JSON options of every header: enums by name, indented so a header can be read in a hex dump.</summary>
    public static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter() }, WriteIndented = true };

    /// <summary>Writes <paramref name="header"/> as JSON, then whatever <paramref name="writeBody"/> writes.</summary>
    public static void Write<THeader>(string path, CheckedFileKind kind, THeader header, Action<BinaryWriter> writeBody)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(JsonSerializer.Serialize(header, Json));
            writeBody(writer);
        }
        CheckedFile.Write(path, kind, buffer.ToArray());
    }

    /// <summary>Reads the header, then hands it and the reader, at the start of the body, to <paramref name="readBody"/>.</summary>
    /// <param name="readVersion1Header">How this kind's version-1 files begin; null when they began with the same JSON header.</param>
    /// <exception cref="InvalidDataException">Not such a file, corrupt, or its header cannot be read; the message names the file.</exception>
    public static TResult Read<THeader, TResult>(string path, CheckedFileKind kind, Func<THeader, BinaryReader, TResult> readBody,
        Func<BinaryReader, THeader>? readVersion1Header = null) where THeader : class
    {
        var (payload, version) = CheckedFile.Read(path, kind);
        using var reader = new BinaryReader(new MemoryStream(payload));
        THeader header;
        try
        {
            header = (version == 1 && readVersion1Header is not null ? readVersion1Header(reader)
                    : JsonSerializer.Deserialize<THeader>(reader.ReadString(), Json))
                ?? throw new InvalidDataException($"{path}: the file's header is empty.");
        }
        catch (Exception e) when (e is JsonException or EndOfStreamException)
        {
            throw new InvalidDataException($"{path}: the file's header cannot be read ({e.Message}); it may have been written by " +
                "another version of this library.", e);
        }
        return readBody(header, reader);
    }
}
