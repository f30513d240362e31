namespace Diffusion.Display;

/// <summary>
/// Which program runs the notebook, where the lessons' display depends on it. A view updated in place
/// (<c>var view = display(monitor); ... view.Update(monitor)</c>) is replaced in VS Code's Polyglot Notebooks and in
/// dotnet-repl, but .NET Interactive's Jupyter kernel (1.0.712001) sends each update under a display id that no shown
/// output carries, so Jupyter drops it and the view keeps its first state (environment.md has the measurement).
/// </summary>
public static class NotebookHost
{
    /// <summary>True inside .NET Interactive's Jupyter kernel, which runs as <c>dotnet interactive jupyter ...</c>.</summary>
    public static bool IsJupyterKernel { get; } = IsJupyterKernelCommandLine(Environment.GetCommandLineArgs());

    /// <summary>Whether updates in place reach the reader; where they do not, show a view's final state once more.</summary>
    public static bool UpdatesInPlace => !IsJupyterKernel;

    /// <summary>The kernel's command line has the bare word <c>jupyter</c> (a connection file's path may contain it too).</summary>
    public static bool IsJupyterKernelCommandLine(IReadOnlyList<string> args) => args.Any(a => a == "jupyter");
}
