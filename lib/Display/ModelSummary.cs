using System.Net;
using System.Text;
using Diffusion.Models;
using static TorchSharp.torch;

namespace Diffusion.Display;

/// <summary>One line of a model summary: a stage of the network, what it is, the shape it outputs and its parameters.</summary>
public sealed record SummaryRow(string Stage, string Kind, long[] OutputShape, long Parameters);

/// <summary>
/// The stages of a UNet in the order they run, with output shapes from one forward pass on a given input and parameter
/// counts. Displays as a table in a notebook; <see cref="ToString"/> gives the same as text.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class ModelSummary : IHtmlView
{
    private ModelSummary(IReadOnlyList<SummaryRow> rows, long total)
    {
        Rows = rows;
        TotalParameters = total;
    }

    public IReadOnlyList<SummaryRow> Rows { get; }
    public long TotalParameters { get; }

    /// <param name="x">A batch shaped like the real input. [B, C, H, W]</param>
    public static ModelSummary For(UNet model, Tensor x)
    {
        var shapes = new Dictionary<string, long[]>();
        using (no_grad())
        using (NewDisposeScope())
        {
            var t = zeros(x.shape[0], dtype: ScalarType.Int64, device: x.device);
            model.forward(x, t, labels: null, observe: (stage, output) => shapes[stage] = output.shape);
        }
        var rows = model.Stages().Select(s => new SummaryRow(s.Name, s.Kind, shapes[s.Name], s.Parameters)).ToList();
        return new ModelSummary(rows, model.ParameterCount());
    }

    public override string ToString()
    {
        var text = new StringBuilder($"{"stage",-8} {"kind",-22} {"output shape",-18} {"parameters",12}\n");
        foreach (var r in Rows)
            text.AppendLine($"{r.Stage,-8} {r.Kind,-22} {Shape(r.OutputShape),-18} {r.Parameters,12:N0}");
        return text.Append($"{"total",-8} {"",-22} {"",-18} {TotalParameters,12:N0}").ToString();
    }

    public string ToHtml()
    {
        var html = new StringBuilder("<table><tr><th>stage</th><th>kind</th><th>output shape</th><th style=\"text-align:right\">parameters</th></tr>");
        foreach (var r in Rows)
            html.Append($"<tr><td>{r.Stage}</td><td>{WebUtility.HtmlEncode(r.Kind)}</td><td><code>{Shape(r.OutputShape)}</code></td><td style=\"text-align:right\">{r.Parameters:N0}</td></tr>");
        return html.Append($"<tr><th>total</th><td></td><td></td><th style=\"text-align:right\">{TotalParameters:N0}</th></tr></table>").ToString();
    }

    private static string Shape(long[] shape) => "[" + string.Join(", ", shape) + "]";
}
