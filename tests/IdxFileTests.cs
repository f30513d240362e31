using System.Buffers.Binary;
using System.IO.Compression;
using System.Security.Cryptography;
using Diffusion.Data;

namespace Diffusion.Tests;

public class IdxFileTests
{
    // A tiny "image" file: 3 images of 2 x 2 pixels, values 0..11.
    private static readonly byte[] Good = IdxBytes(IdxFileSpec.ImagesMagic, [3, 2, 2], Enumerable.Range(0, 12).Select(i => (byte)i).ToArray());
    private static readonly IdxFileSpec Spec = new("tiny-images.gz", IdxFileSpec.ImagesMagic, [3, 2, 2], Sha256(Good));

    [Fact]
    public void Valid_file_returns_payload_without_header()
    {
        using var temp = new TempFolder();
        string path = WriteGzip(temp.File("tiny-images.gz"), Good);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (byte)i), IdxFile.ReadValidated(path, Spec));
    }

    [Fact]
    public void Truncated_file_is_rejected_naming_the_file()
    {
        using var temp = new TempFolder();
        string path = WriteGzip(temp.File("tiny-images.gz"), Good[..^3]);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadValidated(path, Spec));
        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("Delete it", error.Message);
        Assert.DoesNotContain("fashion", error.Message, StringComparison.OrdinalIgnoreCase);   // a generic reader names no dataset
        Assert.DoesNotContain("Debian", error.Message);
    }

    [Fact]
    public void Wrong_magic_is_rejected()
    {
        var labels = IdxBytes(IdxFileSpec.LabelsMagic, [3, 2, 2], new byte[12]);
        using var temp = new TempFolder();
        string path = WriteGzip(temp.File("tiny-images.gz"), labels);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadValidated(path, Spec));
        Assert.Contains("magic number 2049, expected 2051", error.Message);
    }

    [Fact]
    public void Wrong_dimensions_are_rejected()
    {
        var other = IdxBytes(IdxFileSpec.ImagesMagic, [3, 4, 1], new byte[12]);
        Assert.Contains("dimension 1 is 4, expected 2", IdxFile.Check(other, Spec));
    }

    [Fact]
    public void Wrong_checksum_is_rejected()
    {
        var tampered = (byte[])Good.Clone();
        tampered[^1] ^= 0xFF;                       // same length and header, one pixel changed
        using var temp = new TempFolder();
        string path = WriteGzip(temp.File("tiny-images.gz"), tampered);
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadValidated(path, Spec));
        Assert.Contains("SHA-256", error.Message);
    }

    [Fact]
    public void Not_gzip_is_rejected_naming_the_file()
    {
        using var temp = new TempFolder();
        string path = temp.File("tiny-images.gz");
        File.WriteAllBytes(path, Good);            // raw, not compressed
        var error = Assert.Throws<InvalidDataException>(() => IdxFile.ReadValidated(path, Spec));
        Assert.Contains(path, error.Message);
        Assert.Contains("gzip", error.Message);
    }

    [Theory]
    [InlineData(DatasetSplit.Train, 47_040_016, 60_008)]
    [InlineData(DatasetSplit.Test, 7_840_016, 10_008)]
    public void Published_file_lengths_follow_from_the_specs(DatasetSplit split, long imageBytes, long labelBytes)
    {
        Assert.Equal(imageBytes, FashionMnistFiles.Images(split).DecompressedLength);
        Assert.Equal(labelBytes, FashionMnistFiles.Labels(split).DecompressedLength);
    }

    internal static byte[] IdxBytes(int magic, int[] dims, byte[] payload)
    {
        var bytes = new byte[4 + 4 * dims.Length + payload.Length];
        BinaryPrimitives.WriteInt32BigEndian(bytes, magic);
        for (int d = 0; d < dims.Length; d++)
            BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4 + 4 * d), dims[d]);
        payload.CopyTo(bytes, 4 + 4 * dims.Length);
        return bytes;
    }

    internal static string WriteGzip(string path, byte[] bytes)
    {
        using var file = File.Create(path);
        using var gzip = new GZipStream(file, CompressionLevel.Fastest);
        gzip.Write(bytes);
        return path;
    }

    internal static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));
}
