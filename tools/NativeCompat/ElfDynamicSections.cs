using System.Buffers.Binary;
using System.Text;

namespace NativeCompat;

/// <summary>
/// The few pieces of a 64-bit little-endian ELF shared object that symbol versioning needs:
/// .dynsym, .dynstr, .gnu.version (one version index per dynamic symbol) and .gnu.version_r
/// (the versions this object requires from each library it links against).
/// Layouts follow the System V ABI and the LSB "Symbol Versioning" chapter.
/// </summary>
public sealed class ElfDynamicSections
{
    private const uint ShtDynSym = 11;
    private const uint ShtGnuVerNeed = 0x6ffffffe;
    private const uint ShtGnuVerSym = 0x6fffffff;
    private const int SymbolSize = 24;      // sizeof(Elf64_Sym)

    private readonly byte[] _image;
    private readonly Section _dynSym;
    private readonly Section _dynStr;
    private readonly Section _verSym;
    private readonly Section _verNeed;

    private ElfDynamicSections(byte[] image, Section dynSym, Section dynStr, Section verSym, Section verNeed)
    {
        _image = image;
        _dynSym = dynSym;
        _dynStr = dynStr;
        _verSym = verSym;
        _verNeed = verNeed;
    }

    /// <summary>Reads the sections from an in-memory image; throws <see cref="InvalidDataException"/> if it is not a suitable ELF file.</summary>
    public static ElfDynamicSections Parse(byte[] image, string nameForErrors)
    {
        if (image.Length < 64 || image[0] != 0x7f || image[1] != (byte)'E' || image[2] != (byte)'L' || image[3] != (byte)'F')
            throw new InvalidDataException($"{nameForErrors} is not an ELF file.");
        if (image[4] != 2 || image[5] != 1)
            throw new InvalidDataException($"{nameForErrors} is not a 64-bit little-endian ELF file.");

        var span = image.AsSpan();
        ulong sectionTable = BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);   // e_shoff
        int entrySize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3A..]);        // e_shentsize
        int count = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3C..]);            // e_shnum
        if (entrySize < 64 || sectionTable + (ulong)(entrySize * count) > (ulong)image.Length)
            throw new InvalidDataException($"{nameForErrors} has a truncated section table.");

        var sections = new Section[count];
        for (int i = 0; i < count; i++)
        {
            var header = span.Slice((int)sectionTable + i * entrySize, 64);
            sections[i] = new Section(
                Type: BinaryPrimitives.ReadUInt32LittleEndian(header[0x04..]),
                Offset: checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x18..])),
                Size: checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header[0x20..])),
                Link: (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x28..]),
                Info: (int)BinaryPrimitives.ReadUInt32LittleEndian(header[0x2C..]));
        }

        Section Find(uint type) => sections.FirstOrDefault(s => s.Type == type)
            ?? throw new InvalidDataException($"{nameForErrors} has no section of type 0x{type:x}.");

        var dynSym = Find(ShtDynSym);
        var verNeed = Find(ShtGnuVerNeed);
        return new ElfDynamicSections(image, dynSym, sections[dynSym.Link], Find(ShtGnuVerSym), verNeed);
    }

    /// <summary>Every version requirement (one Elf64_Vernaux entry each) of the object.</summary>
    public IReadOnlyList<VersionRequirement> Requirements()
    {
        var result = new List<VersionRequirement>();
        var span = _image.AsSpan();
        int need = _verNeed.Offset;
        for (int n = 0; n < _verNeed.Info; n++)
        {
            // Elf64_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
            int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
            string file = String(BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 4)..]));
            int aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
            for (int a = 0; a < auxCount; a++)
            {
                // Elf64_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                result.Add(new VersionRequirement(
                    Library: file,
                    Version: String(BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..])),
                    Flags: BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]),
                    Index: BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 6)..]),
                    FlagsOffset: aux + 4));
                aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
            }
            need += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
        }
        return result;
    }

    /// <summary>Names of the dynamic symbols bound to the given version index (.gnu.version entry, hidden bit masked).</summary>
    public IReadOnlyList<string> SymbolsUsingVersion(int versionIndex)
    {
        var span = _image.AsSpan();
        int symbols = _dynSym.Size / SymbolSize;
        var names = new List<string>();
        for (int i = 0; i < symbols; i++)
        {
            int index = BinaryPrimitives.ReadUInt16LittleEndian(span[(_verSym.Offset + 2 * i)..]) & 0x7fff;
            if (index == versionIndex)
                names.Add(String(BinaryPrimitives.ReadUInt32LittleEndian(span[(_dynSym.Offset + i * SymbolSize)..])));
        }
        return names;
    }

    private string String(uint offset)
    {
        int start = _dynStr.Offset + (int)offset;
        int end = Array.IndexOf(_image, (byte)0, start);
        return Encoding.ASCII.GetString(_image, start, end - start);
    }

    private sealed record Section(uint Type, int Offset, int Size, int Link, int Info);
}

/// <summary>One required symbol version, e.g. GLIBCXX_3.4.32 from libstdc++.so.6.</summary>
/// <param name="Flags">vna_flags; bit 0x2 (VER_FLG_WEAK) lets the loader continue when the version is missing.</param>
/// <param name="Index">vna_other: the version index that .gnu.version uses for symbols of this version.</param>
/// <param name="FlagsOffset">File offset of vna_flags, for patching.</param>
public sealed record VersionRequirement(string Library, string Version, ushort Flags, ushort Index, int FlagsOffset)
{
    public const ushort WeakFlag = 0x2;     // VER_FLG_WEAK
    public bool IsWeak => (Flags & WeakFlag) != 0;
}
