namespace Diffusion.Tests;

/// <summary>Locations in the checkout, found by walking up from the test binaries.</summary>
internal static class RepoPaths
{
    public static readonly string Root = FindRoot();
    public static string Notebooks => Path.Combine(Root, "notebooks");
    public static string LibraryProject => Path.Combine(Root, "Diffusion.Lib.csproj");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.Lib.csproj")))
                return dir.FullName;
        throw new InvalidOperationException("Could not find the repository root above " + AppContext.BaseDirectory);
    }
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("diffusion-tests-").FullName;
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public void Dispose() => Directory.Delete(Path, recursive: true);
}
