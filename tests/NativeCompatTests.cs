using NativeCompat;

namespace Diffusion.Tests;

/// <summary>
/// The patch is run on a copy of TorchSharp's real libLibTorchSharp.so with its GLIBCXX_3.4.32 requirement
/// reset to strong (as shipped), so the test does not depend on whether this machine needed the patch.
/// </summary>
public class NativeCompatTests
{
    private static string ShippedLibrary()
    {
        string nuget = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        return Path.Combine(nuget, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
    }

    private static (string Path, byte[] Original) StrongCopy(TempFolder temp)
    {
        string copy = temp.File("libLibTorchSharp.so");
        var bytes = File.ReadAllBytes(ShippedLibrary());
        var requirement = ElfDynamicSections.Parse(bytes, copy).Requirements().Single(r => r.Version == WeakGlibcxxPatch.Version);
        bytes[requirement.FlagsOffset] &= unchecked((byte)~VersionRequirement.WeakFlag);
        File.WriteAllBytes(copy, bytes);
        return (copy, bytes);
    }

    [Fact]
    public void Only_the_ios_base_anchor_needs_GLIBCXX_3_4_32()
    {
        var elf = ElfDynamicSections.Parse(File.ReadAllBytes(ShippedLibrary()), "libLibTorchSharp.so");
        var requirement = elf.Requirements().Single(r => r.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", requirement.Library);
        Assert.Equal(["_ZSt21ios_base_library_initv"], elf.SymbolsUsingVersion(requirement.Index));
    }

    [Fact]
    public void Patch_flips_exactly_the_weak_bit_and_is_idempotent()
    {
        using var temp = new TempFolder();
        var (path, original) = StrongCopy(temp);

        Assert.Equal(PatchOutcome.Patched, WeakGlibcxxPatch.Apply(path));
        var patched = File.ReadAllBytes(path);
        var changed = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToArray();
        Assert.Single(changed);
        Assert.Equal(VersionRequirement.WeakFlag, patched[changed[0]] ^ original[changed[0]]);
        Assert.True(ElfDynamicSections.Parse(patched, path).Requirements().Single(r => r.Version == WeakGlibcxxPatch.Version).IsWeak);

        Assert.Equal(PatchOutcome.AlreadyWeak, WeakGlibcxxPatch.Apply(path));
        Assert.Equal(patched, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(temp.Path));                 // no temp file left behind
    }

    [Fact]
    public void Non_elf_input_is_rejected_with_its_name()
    {
        using var temp = new TempFolder();
        string path = temp.File("not-a-library.so");
        File.WriteAllText(path, "hello");
        var error = Assert.Throws<InvalidDataException>(() => WeakGlibcxxPatch.Apply(path));
        Assert.Contains("not-a-library.so", error.Message);
    }

    [Fact]
    public void The_loaded_libstdcxx_is_found()
    {
        string? path = SystemLibraries.LoadedLibStdCxx();
        Assert.NotNull(path);
        Assert.True(SystemLibraries.DefinesVersion(path, "GLIBCXX_3.4.30"));     // GCC 12, Debian 12's floor
        Assert.False(SystemLibraries.DefinesVersion(path, "GLIBCXX_9.9.99"));
    }
}
