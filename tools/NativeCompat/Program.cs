using NativeCompat;

// Usage: NativeCompat <folder>...
// Checks the system for what would stop TorchSharp from loading, and patches every libLibTorchSharp.so
// under the given folders when (and only when) the system libstdc++ is too old. Safe to run repeatedly.
// Exit codes: 0 ready, 2 usage or nothing to patch, 3 a system libtorch shadows TorchSharp's, 4 patch refused.

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: NativeCompat <folder-containing-libLibTorchSharp.so>...");
    return 2;
}

var shadows = SystemLibraries.ShadowingLibTorch();
if (shadows.Count > 0)
{
    Console.Error.WriteLine($"""
        error: a system libtorch is installed and would be loaded instead of TorchSharp's own libtorch 2.10:
          {string.Join("\n  ", shadows)}
        This is Debian's libtorch1.13 (installed with python3-torch). TorchSharp would then call into the wrong
        library and fail or crash. Fix: remove it (sudo apt-get remove libtorch1.13 python3-torch), or run the
        course in an environment without it (a container or another machine). See environment.md.
        """);
    return 3;
}

var libstdcxx = SystemLibraries.LoadedLibStdCxx();
if (libstdcxx is not null && SystemLibraries.DefinesVersion(libstdcxx, WeakGlibcxxPatch.Version))
{
    Console.WriteLine($"native: {libstdcxx} provides {WeakGlibcxxPatch.Version}; TorchSharp loads as shipped, no patch needed.");
    return 0;
}

var targets = args.Where(Directory.Exists)
    .SelectMany(dir => Directory.EnumerateFiles(dir, "libLibTorchSharp.so", SearchOption.AllDirectories))
    .Distinct()
    .ToList();
if (targets.Count == 0)
{
    Console.Error.WriteLine($"error: no libLibTorchSharp.so under {string.Join(", ", args)}. Run 'dotnet restore' first.");
    return 2;
}

Console.WriteLine($"native: {libstdcxx ?? "libstdc++"} lacks {WeakGlibcxxPatch.Version}; marking that requirement weak in TorchSharp's native library.");
try
{
    foreach (var target in targets)
        Console.WriteLine($"  {WeakGlibcxxPatch.Apply(target),-11} {target}");
}
catch (Exception e) when (e is InvalidOperationException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 4;
}
return 0;
