namespace NativeCompat;

/// <summary>
/// TorchSharp 0.107.0's libLibTorchSharp.so is linked against GCC 13's libstdc++ and so requires the
/// symbol version GLIBCXX_3.4.32, for exactly one symbol: <c>std::ios_base_library_init()</c>, an anchor
/// that GCC 13 emits at link time and that is never called. Debian 12 ships GCC 12's libstdc++ (up to
/// GLIBCXX_3.4.30), so the dynamic loader refuses the whole library.
///
/// The fix marks that one version requirement weak (VER_FLG_WEAK in its Elf64_Vernaux entry): the loader
/// then accepts the library when the version is missing. Two bytes change; nothing else. The patch refuses
/// to run if any other symbol needs that version, because weakening it could then hide a real missing symbol.
/// </summary>
public static class WeakGlibcxxPatch
{
    public const string Version = "GLIBCXX_3.4.32";
    public const string AnchorSymbol = "_ZSt21ios_base_library_initv";

    public static PatchOutcome Apply(string path)
    {
        var image = File.ReadAllBytes(path);
        var elf = ElfDynamicSections.Parse(image, path);
        var requirement = elf.Requirements().FirstOrDefault(r => r.Version == Version);
        if (requirement is null)
            return PatchOutcome.NotRequired;
        if (requirement.IsWeak)
            return PatchOutcome.AlreadyWeak;

        var users = elf.SymbolsUsingVersion(requirement.Index);
        if (users.Any(name => name != AnchorSymbol))
            throw new InvalidOperationException(
                $"{path} needs {Version} for symbols other than {AnchorSymbol} ({string.Join(", ", users)}); " +
                "marking it weak would not be safe. Install a newer libstdc++ (GCC 13+) instead.");

        ushort flags = (ushort)(requirement.Flags | VersionRequirement.WeakFlag);
        image[requirement.FlagsOffset] = (byte)flags;
        image[requirement.FlagsOffset + 1] = (byte)(flags >> 8);
        WriteAtomically(path, image);
        return PatchOutcome.Patched;
    }

    /// <summary>Writes beside the target, flushes, then renames over it: a crash leaves the old or the new file, never half of one.</summary>
    private static void WriteAtomically(string path, byte[] bytes)
    {
        string temp = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, File.GetUnixFileMode(path));
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
                File.Delete(temp);
        }
    }
}

public enum PatchOutcome
{
    /// <summary>The requirement was strong and is now weak.</summary>
    Patched,
    /// <summary>Already weak (patched before): nothing written.</summary>
    AlreadyWeak,
    /// <summary>The file does not require GLIBCXX_3.4.32 at all (another TorchSharp build).</summary>
    NotRequired,
}
