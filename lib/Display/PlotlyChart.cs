using System.Text.Json;
using System.Text.Json.Nodes;

namespace Diffusion.Display;

/// <summary>
/// An interactive chart drawn by plotly.js in the notebook (or in a saved HTML page): a list of traces and a
/// layout, exactly plotly.js's figure format (https://plotly.com/javascript/reference/). Build one with
/// <see cref="Charts"/>; it displays inline when it is the value of a cell.
/// </summary>
/// <remarks>
/// Why not Plotly.NET: its only release on the package registry (6.0.0) needs FSharp.Core 10.1, while both notebook
/// hosts we can install (dotnet-repl 0.3.259, dotnet-interactive 1.0.712001) ship FSharp.Core 10.0, so every
/// Plotly.NET call fails inside a notebook. Writing the figure JSON directly has no such dependency.
/// </remarks>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class PlotlyChart : IHtmlView, IFigure
{
    public const string PlotlyJsUrl = "https://cdn.plot.ly/plotly-2.35.2.min.js";

    public PlotlyChart(IEnumerable<JsonObject> traces, JsonObject layout)
    {
        Traces = traces.ToList();
        Layout = layout;
    }

    public IReadOnlyList<JsonObject> Traces { get; }
    public JsonObject Layout { get; }

    /// <summary>A copy with a logarithmic x axis (for step counts 10 .. 1000, learning rates, ...).</summary>
    public PlotlyChart WithLogX()
    {
        var layout = (JsonObject)Layout.DeepClone();
        ((JsonObject)layout["xaxis"]!)["type"] = "log";
        return new PlotlyChart(Traces.Select(t => (JsonObject)t.DeepClone()), layout);
    }

    /// <summary>
    /// A copy with a logarithmic y axis (for quantities spanning several orders of magnitude). Its ticks read as powers
    /// of ten (10⁻⁴), not with SI prefixes (100µ), which suit no quantity of the course. Where the values span two
    /// decades or more, every tick is a power of ten written the same way (10⁻¹, 10⁰, 10¹), without plotly's minor
    /// labels (2, 5) between them, which mix with the major ones into an axis that reads 10, 5, 2, 1, 5, 2, 10⁻¹.
    /// </summary>
    public PlotlyChart WithLogY()
    {
        var layout = (JsonObject)Layout.DeepClone();
        var yAxis = (JsonObject)layout["yaxis"]!;
        yAxis["type"] = "log";
        yAxis["exponentformat"] = "power";
        var positive = Traces
            .SelectMany(t => t["y"] is JsonArray ys ? ys : [])
            .Where(v => v is not null)
            .Select(v => (double)v!)
            .Where(v => v > 0 && double.IsFinite(v))
            .ToList();
        if (positive.Count > 0)
        {
            int low = (int)Math.Floor(Math.Log10(positive.Min()));
            int high = (int)Math.Ceiling(Math.Log10(positive.Max()));
            if (high - low >= 2)
            {
                var powers = Enumerable.Range(low, high - low + 1).ToList();
                yAxis["tickvals"] = new JsonArray(powers.Select(k => (JsonNode)JsonValue.Create(Math.Pow(10, k))).ToArray());
                yAxis["ticktext"] = new JsonArray(powers.Select(k => (JsonNode)JsonValue.Create(PowerOfTen(k))).ToArray());
            }
        }
        return new PlotlyChart(Traces.Select(t => (JsonObject)t.DeepClone()), layout);
    }

    /// <summary>10 to the power k as plotly's HTML subset writes it: 10&lt;sup&gt;−2&lt;/sup&gt; (a true minus sign).</summary>
    private static string PowerOfTen(int k) => $"10<sup>{(k < 0 ? "\u2212" : "")}{Math.Abs(k)}</sup>";

    /// <summary>The figure as plotly.js JSON: {"data": [...], "layout": {...}}.</summary>
    public string ToJson() => new JsonObject
    {
        ["data"] = new JsonArray(Traces.Select(t => (JsonNode)t.DeepClone()).ToArray()),
        ["layout"] = Layout.DeepClone(),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    /// <summary>
    /// A div plus a script that draws into it. plotly.js is loaded once per page: through require.js where the
    /// front end has it (classic Jupyter), else with a script tag (VS Code, JupyterLab, a saved page).
    /// </summary>
    public string ToHtml()
    {
        string id = "plot-" + Guid.NewGuid().ToString("N");
        return $$$"""
            <div id="{{{id}}}" style="width:{{{Layout["width"]}}}px;height:{{{Layout["height"]}}}px"></div>
            <script type="text/javascript">
            (function () {
              var figure = {{{ToJson()}}};
              var draw = function (Plotly) { Plotly.newPlot('{{{id}}}', figure.data, figure.layout, {responsive: true}); };
              if (window.Plotly) { draw(window.Plotly); return; }
              if (typeof window.requirejs === 'function' && typeof window.requirejs.config === 'function') {
                window.requirejs.config({paths: {plotly: '{{{PlotlyJsUrl[..^3]}}}'}});
                window.requirejs(['plotly'], draw);
                return;
              }
              var script = document.createElement('script');
              script.src = '{{{PlotlyJsUrl}}}';
              script.onload = function () { draw(window.Plotly); };
              document.head.appendChild(script);
            })();
            </script>
            """;
    }

    public string FileExtension => ".html";

    /// <summary>Writes a standalone HTML page showing the chart.</summary>
    public void Save(string path) =>
        File.WriteAllText(path, $"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{System.Net.WebUtility.HtmlEncode((string?)Layout["title"]?["text"] ?? "chart")}</title></head>\n<body>\n{ToHtml()}\n</body></html>\n");
}
