namespace Diffusion.Data;

/// <summary>What one IDX file must be: its name, magic number, dimensions, decompressed length and SHA-256.</summary>
public sealed record IdxFileSpec(string FileName, int Magic, int[] Dimensions, string Sha256)
{
    /// <summary>Magic number of a 3-D uint8 file of images [N, rows, cols].</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic number of a 1-D uint8 file of labels [N].</summary>
    public const int LabelsMagic = 2049;

    /// <summary>Bytes before the values: the magic number and one int32 per dimension.</summary>
    public int HeaderLength => 4 + 4 * Dimensions.Length;
    /// <summary>The exact length of the decompressed file: header plus one byte per value.</summary>
    public long DecompressedLength => HeaderLength + Dimensions.Aggregate(1L, (n, d) => n * d);
}
