using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;

namespace Diffusion.Data;

/// <summary>
/// Reads the IDX format (LeCun's MNIST format, also used by Fashion-MNIST and others): a big-endian header (magic
/// number, then one int32 per dimension) followed by the raw uint8 values. Magic 2051 = 3-D images [N, rows, cols],
/// 2049 = 1-D labels [N].
/// Everything is validated before use: magic, dimensions, exact length and a SHA-256 of the decompressed bytes.
/// </summary>
public static class IdxFile
{
    /// <summary>Decompresses a gzip IDX file, validates it against <paramref name="expected"/>, and returns the payload (header stripped).</summary>
    /// <exception cref="InvalidDataException">The file is truncated, corrupt or not the expected file; the message names the file and the fix.</exception>
    public static byte[] ReadValidated(string gzipPath, IdxFileSpec expected)
    {
        byte[] bytes = Decompress(gzipPath);
        string problem = Check(bytes, expected);
        if (problem.Length > 0)
            throw new InvalidDataException(
                $"{gzipPath}: {problem}. The file is corrupt or not {expected.FileName}. " +
                $"Delete it and run again to fetch a fresh copy.");
        return bytes[expected.HeaderLength..];
    }

    /// <summary>Returns an empty string if <paramref name="bytes"/> (decompressed) is exactly the expected file, else what is wrong.</summary>
    public static string Check(ReadOnlySpan<byte> bytes, IdxFileSpec expected)
    {
        if (bytes.Length < expected.HeaderLength)
            return $"only {bytes.Length} bytes, shorter than the {expected.HeaderLength}-byte IDX header";
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (magic != expected.Magic)
            return $"magic number {magic}, expected {expected.Magic}";
        for (int d = 0; d < expected.Dimensions.Length; d++)
        {
            int size = BinaryPrimitives.ReadInt32BigEndian(bytes[(4 + 4 * d)..]);
            if (size != expected.Dimensions[d])
                return $"dimension {d} is {size}, expected {expected.Dimensions[d]}";
        }
        if (bytes.Length != expected.DecompressedLength)
            return $"{bytes.Length} bytes after decompression, expected {expected.DecompressedLength} (truncated or padded)";
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (sha != expected.Sha256)
            return $"SHA-256 {sha}, expected {expected.Sha256}";
        return "";
    }

    private static byte[] Decompress(string gzipPath)
    {
        try
        {
            using var file = File.OpenRead(gzipPath);
            using var gzip = new GZipStream(file, CompressionMode.Decompress);
            using var buffer = new MemoryStream();
            gzip.CopyTo(buffer);
            return buffer.ToArray();
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException)
        {
            throw new InvalidDataException(
                $"{gzipPath}: not a valid gzip file ({e.Message}). Delete it and run again to fetch a fresh copy.", e);
        }
    }
}
