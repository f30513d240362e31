using Diffusion.Runtime;

namespace Diffusion.Tests;

/// <summary>The command line silences libtorch's C++ warnings (NNPACK's on some CPUs) by setting c10's log level.</summary>
public class TorchLoggingTests
{
    [Fact]
    public void Showing_only_errors_sets_the_level_libtorch_logs_at()
    {
        if (Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL") is { Length: > 0 })
            return;                                                             // the user's level wins; nothing to check
        Assert.True(TorchLogging.ShowOnlyErrors());
        Assert.Equal(2, TorchLogging.Level);                                    // c10's GLOG_ERROR
    }
}
