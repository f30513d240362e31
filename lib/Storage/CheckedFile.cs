using System.Security.Cryptography;
using System.Text;

namespace Diffusion.Storage;

/// <summary>
/// The container every file the course writes for later (checkpoints, trained models, classifiers) is stored in; what
/// goes inside is <see cref="WeightsFile"/>'s header and weights:
///
///   8 bytes  magic "DDPMFILE"
///   4 bytes  format version (int32)
///   4 bytes  kind (int32, <see cref="CheckedFileKind"/>)
///   8 bytes  payload length (int64)
///  32 bytes  SHA-256 of the payload
///   payload
///
/// Writes are atomic: the bytes go to a temp file beside the target, are flushed to disk, then renamed over it, so a
/// crash at any moment leaves either the old file or the new one. Reads check everything before returning the payload.
/// (TorchSharp's Module.save has no header or checksum: a truncated file loads as garbage or fails obscurely.)
/// </summary>
public static class CheckedFile
{
    /// <summary>
    /// The version written. 2: the payload is one JSON header and the weights (<see cref="WeightsFile"/>); 1: each kind
    /// laid its payload out its own way (still read).
    /// </summary>
    public const int FormatVersion = 2;
    private const int OldestReadable = 1;
    private static readonly byte[] Magic = Encoding.ASCII.GetBytes("DDPMFILE");
    private const int HeaderLength = 8 + 4 + 4 + 8 + 32;
    private const string TempSuffix = ".tmp";                                            // Write's temp file: "<target>.<pid>.tmp"

    public static void Write(string path, CheckedFileKind kind, byte[] payload)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        string temp = $"{full}.{Environment.ProcessId}{TempSuffix}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            using (var writer = new BinaryWriter(stream))
            {
                writer.Write(Magic);
                writer.Write(FormatVersion);
                writer.Write((int)kind);
                writer.Write((long)payload.Length);
                writer.Write(SHA256.HashData(payload));
                writer.Write(payload);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }

    /// <summary>
    /// Deletes the temp files a process killed in the middle of <see cref="Write"/> left beside <paramref name="path"/>
    /// (a kill -9 skips the cleanup). The target itself is never touched: it is the old file or the new one, whole.
    /// </summary>
    public static void DeleteLeftovers(string path)
    {
        string full = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
            return;
        foreach (string temp in Directory.EnumerateFiles(folder, $"{Path.GetFileName(full)}.*{TempSuffix}"))
            File.Delete(temp);
    }

    /// <summary>The payload of a file of the expected kind, and the format version it was written in.</summary>
    /// <exception cref="InvalidDataException">Not such a file, the wrong kind or version, truncated, or corrupt; the message names the file.</exception>
    public static (byte[] Payload, int Version) Read(string path, CheckedFileKind expectedKind)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No {Describe(expectedKind)} at {path}.", path);
        var bytes = File.ReadAllBytes(path);
        string Fail(string problem) => $"{path} is not a usable {Describe(expectedKind)}: {problem}.";
        if (bytes.Length < HeaderLength || !bytes.AsSpan(0, 8).SequenceEqual(Magic))
            throw new InvalidDataException(Fail("it does not start with the DDPMFILE header (not written by this course, or truncated)"));
        int version = BitConverter.ToInt32(bytes, 8);
        if (version < OldestReadable || version > FormatVersion)
            throw new InvalidDataException(Fail($"format version {version}, this library reads versions {OldestReadable} to {FormatVersion}"));
        var kind = (CheckedFileKind)BitConverter.ToInt32(bytes, 12);
        if (kind != expectedKind)
            throw new InvalidDataException(Fail($"it holds a {Describe(kind)}"));
        long length = BitConverter.ToInt64(bytes, 16);
        if (length != bytes.Length - HeaderLength)
            throw new InvalidDataException(Fail($"the payload is {bytes.Length - HeaderLength} bytes, the header says {length} (truncated or appended to)"));
        var payload = bytes[HeaderLength..];
        if (!SHA256.HashData(payload).AsSpan().SequenceEqual(bytes.AsSpan(24, 32)))
            throw new InvalidDataException(Fail("its SHA-256 checksum does not match (the file is corrupt)"));
        return (payload, version);
    }

    private static string Describe(CheckedFileKind kind) => kind switch
    {
        CheckedFileKind.TrainingCheckpoint => "training checkpoint",
        CheckedFileKind.TrainedModel => "trained model",
        CheckedFileKind.Classifier => "classifier",
        _ => $"file of kind {(int)kind}",
    };
}
