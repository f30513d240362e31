using System.Diagnostics;
using System.Text;

namespace NativeCompat;

/// <summary>What the system's own shared libraries look like to this process.</summary>
public static class SystemLibraries
{
    /// <summary>The libstdc++ this process has loaded (the .NET runtime links it), i.e. the one TorchSharp will get.</summary>
    public static string? LoadedLibStdCxx() =>
        File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).LastOrDefault())
            .FirstOrDefault(path => path is not null && Path.GetFileName(path).StartsWith("libstdc++.so", StringComparison.Ordinal));

    /// <summary>True if the library's version definitions include <paramref name="version"/> (its name appears in .dynstr).</summary>
    public static bool DefinesVersion(string libraryPath, string version)
    {
        var needle = Encoding.ASCII.GetBytes(version + "\0");
        return File.ReadAllBytes(libraryPath).AsSpan().IndexOf(needle) >= 0;
    }

    /// <summary>
    /// System copies of libtorch (Debian's libtorch1.13, pulled in by python3-torch) that the dynamic loader
    /// finds before TorchSharp's own libtorch 2.10, so TorchSharp would bind to the wrong, older library.
    /// </summary>
    public static IReadOnlyList<string> ShadowingLibTorch()
    {
        var found = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var line in RunLdconfig())
        {
            // "	libtorch_cpu.so.1.13 (libc6,x86-64) => /lib/x86_64-linux-gnu/libtorch_cpu.so.1.13"
            int arrow = line.IndexOf("=> ", StringComparison.Ordinal);
            if (arrow > 0 && IsLibTorch(Path.GetFileName(line[(arrow + 3)..].Trim())))
                found.Add(line[(arrow + 3)..].Trim());
        }
        var ldPath = Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "";
        foreach (var dir in ldPath.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(dir).Where(f => IsLibTorch(Path.GetFileName(f))))
                found.Add(file);
        return found.ToList();
    }

    private static bool IsLibTorch(string fileName) =>
        fileName.StartsWith("libtorch_cpu.so", StringComparison.Ordinal) ||
        fileName.StartsWith("libtorch.so", StringComparison.Ordinal);

    private static IEnumerable<string> RunLdconfig()
    {
        var ldconfig = new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" }.FirstOrDefault(File.Exists);
        if (ldconfig is null)
            return [];
        using var process = Process.Start(new ProcessStartInfo(ldconfig, "-p") { RedirectStandardOutput = true })!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n');
        process.WaitForExit();
        return lines;
    }
}
