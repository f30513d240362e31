using System.Reflection;
using Plotly.NET;

namespace Diffusion.Display;

/// <summary>
/// A chart of <see cref="Charts"/> written as HTML. In a notebook a chart needs none of this: Plotly.NET.Interactive
/// displays it. <see cref="Save"/> writes a page that opens offline, with the plotly.js that Plotly.NET ships (embedded in
/// Plotly.NET.dll) copied beside it once per folder. <see cref="Fragment"/> is what a view that embeds a chart among
/// other things shows (the training monitor): the markup Plotly.NET.Interactive writes for a chart on its own.
/// </summary>
public static class ChartPage
{
    /// <summary>The plotly.js file inside Plotly.NET.dll, e.g. "Plotly.NET.plotly-2.28.0.min.js".</summary>
    private static readonly string PlotlyJsResource = typeof(GenericChart).Assembly.GetManifestResourceNames()
        .Single(n => n.StartsWith("Plotly.NET.plotly-", StringComparison.Ordinal) && n.EndsWith(".min.js", StringComparison.Ordinal));

    /// <summary>The name a saved page loads plotly.js by, from its own folder: "plotly-2.28.0.min.js".</summary>
    public static string PlotlyJsFile { get; } = PlotlyJsResource["Plotly.NET.".Length..];

    /// <summary>Where notebooks load the same plotly.js from, through require.js (as Plotly.NET.Interactive does).</summary>
    public static string PlotlyJsUrl { get; } = "https://cdn.plot.ly/" + PlotlyJsFile;

    /// <summary>
    /// Writes <paramref name="chart"/> as a standalone page at <paramref name="path"/>, and plotly.js beside it if the
    /// folder has none yet. The chart itself is not changed.
    /// </summary>
    public static void Save(GenericChart chart, string path)
    {
        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(folder);
        string script = Path.Combine(folder, PlotlyJsFile);
        if (!File.Exists(script))
        {
            using var resource = typeof(GenericChart).Assembly.GetManifestResourceStream(PlotlyJsResource)!;
            string partial = script + ".partial";                                                  // no half-written copy is ever used
            using (var file = File.Create(partial))
                resource.CopyTo(file);
            File.Move(partial, script, overwrite: true);
        }
        var options = new DisplayOptions();
        DisplayOptions.setPlotlyReference(PlotlyJSReference.NewCDN(PlotlyJsFile)).Invoke(options);   // relative: the file beside
        DisplayOptions.setDocumentCharset("utf-8").Invoke(options);
        DisplayOptions.setDocumentTitle(Title(chart) ?? Path.GetFileNameWithoutExtension(path)).Invoke(options);
        File.WriteAllText(path, GenericChart.toEmbeddedHTML(GenericChart.setDisplayOptions(options, chart)));
    }

    /// <summary>The chart as a div and a script that loads plotly.js through require.js and draws it.</summary>
    public static string Fragment(GenericChart chart)
    {
        var options = new DisplayOptions();
        DisplayOptions.setPlotlyReference(PlotlyJSReference.NewRequire(PlotlyJsUrl[..^".js".Length])).Invoke(options);
        return GenericChart.toChartHTML(GenericChart.setDisplayOptions(options, chart));
    }

    /// <summary>The chart's title text, if it has one.</summary>
    public static string? Title(GenericChart chart) =>
        GenericChart.getLayout(chart).TryGetPropertyValue("title")?.Value is Plotly.NET.Title title
            ? title.TryGetTypedPropertyValue<string>("text")?.Value
            : null;
}
