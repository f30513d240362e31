using Diffusion.Display;
using Xunit;

namespace Diffusion.Tests;

public class NotebookHostTests
{
    /// <summary>The Jupyter kernel's command line as measured here; dotnet-interactive's stdio mode (VS Code) and
    /// dotnet-repl must not be taken for it.</summary>
    [Fact]
    public void Only_the_jupyter_kernel_is_taken_for_jupyter()
    {
        Assert.True(NotebookHost.IsJupyterKernelCommandLine(
            ["Microsoft.DotNet.Interactive.App.dll", "jupyter", "--default-kernel", "csharp", "/root/.local/share/jupyter/runtime/kernel-1.json"]));
        Assert.False(NotebookHost.IsJupyterKernelCommandLine(["Microsoft.DotNet.Interactive.App.dll", "stdio", "/work/jupyter/notebooks"]));
        Assert.False(NotebookHost.IsJupyterKernelCommandLine(["dotnet-repl.dll", "--run", "notebooks/06_training.ipynb", "--exit-after-run"]));
        Assert.True(NotebookHost.UpdatesInPlace);                                             // the test host is no Jupyter kernel
    }
}
