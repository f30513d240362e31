namespace Diffusion.Display;

/// <summary>
/// An <see cref="IProgress{T}"/> that runs its action at once, on the thread that reports. The framework's
/// <c>Progress&lt;T&gt;</c> posts every report to the thread pool when there is no UI thread (as in a notebook kernel or a
/// console), so its last report can arrive after the line or status that should follow it.
/// <code>var progress = new ImmediateProgress&lt;int&gt;(done => view.Update(status.Set($"{done}/{count} images")));</code>
/// </summary>
public sealed class ImmediateProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
