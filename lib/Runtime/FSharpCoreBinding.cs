using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;

namespace Diffusion.Runtime;

/// <summary>
/// Lets Plotly.NET run inside the notebook hosts. Plotly.NET 6.0.0 (the only release NuGet serves here) and its
/// dependencies were compiled against FSharp.Core 10.1.0.0, but dotnet-repl 0.3.259 and the Jupyter kernel of
/// dotnet-interactive 1.0.712001 have FSharp.Core 10.0.0.0 loaded before any cell runs, and the runtime will not bind a
/// request for 10.1 to 10.0 by itself: the first chart would fail with "Could not load file or assembly 'FSharp.Core,
/// Version=10.1.0.0'". Loading a second FSharp.Core is no way out either: Giraffe.ViewEngine then meets two FSharpFunc
/// types and fails with MissingMethodException. So a request for FSharp.Core that the runtime cannot satisfy is answered
/// with the FSharp.Core already loaded, when its major version is the one asked for. Every FSharp.Core member the
/// charting assemblies use exists in 10.0 (tests/FSharpCoreBindingTests.cs checks it against the hosts' file).
/// Outside a notebook (tests, the command line) FSharp.Core 10.1 sits in the build output, binds normally and this
/// handler is never asked.
/// </summary>
public static class FSharpCoreBinding
{
    private const string FSharpCore = "FSharp.Core";

    /// <summary>Runs when the library is first used, before any chart is built (a notebook's preamble uses it).</summary>
#pragma warning disable CA2255 // a library's module initializer: the handler must be in place before Plotly.NET's first call
    [ModuleInitializer]
    internal static void Install() => AssemblyLoadContext.Default.Resolving += Resolve;
#pragma warning restore CA2255

    /// <summary>
    /// The FSharp.Core already loaded, for a request of the same major version that the runtime could not bind; null
    /// (the failure stands) for any other assembly or version.
    /// </summary>
    public static Assembly? Resolve(AssemblyLoadContext context, AssemblyName requested)
    {
        if (requested.Name != FSharpCore)
            return null;
        return AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.GetName().Name == FSharpCore && a.GetName().Version?.Major == requested.Version?.Major)
            .OrderByDescending(a => a.GetName().Version)
            .FirstOrDefault();
    }
}
