using Diffusion.Display;
using Xunit;

namespace Diffusion.Tests;

public class NotebookHostTests
{
    /// <summary>The command lines measured here: the Jupyter kernel's, and dotnet-repl's and VS Code's, which are not.</summary>
    [Fact]
    public void Only_the_jupyter_kernel_is_taken_for_jupyter()
    {
        Assert.True(NotebookHost.IsJupyterKernelCommandLine(
            ["Microsoft.DotNet.Interactive.App.dll", "jupyter", "--default-kernel", "csharp", "/root/.local/share/jupyter/runtime/kernel-1.json"]));
        Assert.False(NotebookHost.IsJupyterKernelCommandLine(["Microsoft.DotNet.Interactive.App.dll", "stdio", "--working-dir", "/work/jupyter"]));
        Assert.False(NotebookHost.IsJupyterKernelCommandLine(["dotnet-repl.dll", "--run", "notebooks/06_training.ipynb", "--exit-after-run"]));
        Assert.True(NotebookHost.UpdatesInPlace);                                             // the test host is no Jupyter kernel
    }
}
