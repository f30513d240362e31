using Diffusion.Display;

namespace Diffusion.Tests;

public class ImmediateProgressTests
{
    /// <summary>Every report has run, on the reporting thread, by the time Report returns (Progress&lt;T&gt; would post it).</summary>
    [Fact]
    public void Reports_run_before_Report_returns_on_the_same_thread()
    {
        var seen = new List<(int Value, int Thread)>();
        IProgress<int> progress = new ImmediateProgress<int>(value => seen.Add((value, Environment.CurrentManagedThreadId)));

        foreach (int value in new[] { 1, 2, 3 })
        {
            progress.Report(value);
            Assert.Equal(value, seen[^1].Value);
        }
        Assert.All(seen, s => Assert.Equal(Environment.CurrentManagedThreadId, s.Thread));
    }
}
