using System.Net;

namespace Diffusion.Display;

/// <summary>
/// One line of text updated in place, for the progress of a long cell: display it once and update that display.
/// <code>
/// var status = new StatusLine("starting");
/// var view = display(status);
/// for (...) view.Update(status.Set($"sampler {i} of {n}"));
/// </code>
/// VS Code replaces the line; the course runner keeps only its last state in the saved notebook (its HTML carries a
/// data-live-view id, as the training monitor's does). Jupyter's .NET kernel drops the updates (<see cref="NotebookHost"/>),
/// so put results in the cell's own output, not only in the last state of a status line.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class StatusLine(string text) : IHtmlView
{
    private readonly string _liveId = "status-" + Guid.NewGuid().ToString("N");

    public string Text { get; private set; } = text;

    /// <summary>Changes the text and returns this line, for <c>view.Update(status.Set("..."))</c>.</summary>
    public StatusLine Set(string text)
    {
        Text = text;
        return this;
    }

    public string ToHtml() => $"<div data-live-view=\"{_liveId}\">{WebUtility.HtmlEncode(Text)}</div>";

    public override string ToString() => Text;
}
