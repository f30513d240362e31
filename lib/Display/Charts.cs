using System.Text.Json.Nodes;

namespace Diffusion.Display;

/// <summary>How a curve is drawn: solid for data, dashed or dotted for references (a mean, a band, a formula).</summary>
public enum LineStyle { Solid, Dashed, Dotted }

/// <summary>One named curve of a line chart.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, LineStyle Style = LineStyle.Solid);

/// <summary>One named set of bars of a grouped bar chart, one value per category.</summary>
public sealed record BarGroup(string Name, IReadOnlyList<double> Values);

/// <summary>
/// The chart kinds the lessons use, with the course's defaults, so that a notebook needs one line per chart.
/// Each returns a <see cref="PlotlyChart"/>: shown inline as the value of a cell, saved as .html with Save.
/// </summary>
public static class Charts
{
    /// <summary>Curves of at most this many points also get markers, so that a series of one point is still seen.</summary>
    public const int MarkersUpTo = 30;

    /// <summary>Several curves on shared axes.</summary>
    public static PlotlyChart Lines(string title, string xTitle, string yTitle, params LineSeries[] series)
    {
        if (series.Length == 0)
            throw new ArgumentException("At least one series is needed.", nameof(series));
        foreach (var s in series.Where(s => s.X.Count != s.Y.Count))
            throw new ArgumentException($"Series '{s.Name}' has {s.X.Count} x values and {s.Y.Count} y values.", nameof(series));
        return new PlotlyChart(
            series.Select(s => new JsonObject
            {
                ["type"] = "scatter", ["mode"] = s.X.Count <= MarkersUpTo ? "lines+markers" : "lines", ["name"] = s.Name,
                ["x"] = Array(s.X), ["y"] = Array(s.Y),
                ["line"] = new JsonObject { ["dash"] = s.Style switch { LineStyle.Dashed => "dash", LineStyle.Dotted => "dot", _ => "solid" } },
            }),
            WithLegendBelowIfLong(Layout(title, xTitle, yTitle, showLegend: series.Length > 1), series.Select(s => s.Name)));   // one curve: the title names it
    }

    /// <summary>Legend entries longer than this go below the plot, where they do not squeeze it sideways.</summary>
    public const int LongLegendName = 28;

    private static JsonObject WithLegendBelowIfLong(JsonObject layout, IEnumerable<string> names)
    {
        if (names.Any(n => n.Length > LongLegendName))
        {
            layout["legend"] = new JsonObject { ["orientation"] = "h", ["x"] = 0, ["y"] = -0.2, ["yanchor"] = "top" };
            layout["height"] = 480;
        }
        return layout;
    }

    /// <summary>A bar chart of named values (e.g. class counts).</summary>
    public static PlotlyChart Bars(string title, string xTitle, string yTitle, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        if (names.Count != values.Count)
            throw new ArgumentException($"{names.Count} names for {values.Count} values.", nameof(values));
        var trace = new JsonObject
        {
            ["type"] = "bar", ["x"] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()), ["y"] = Array(values),
        };
        return new PlotlyChart([trace], Layout(title, xTitle, yTitle, showLegend: false));
    }

    /// <summary>Several sets of values for the same names, as bars side by side (e.g. class frequencies of data and samples).</summary>
    public static PlotlyChart GroupedBars(string title, string xTitle, string yTitle, IReadOnlyList<string> names, params BarGroup[] groups)
    {
        foreach (var g in groups.Where(g => g.Values.Count != names.Count))
            throw new ArgumentException($"Group '{g.Name}' has {g.Values.Count} values for {names.Count} names.", nameof(groups));
        var layout = Layout(title, xTitle, yTitle);
        layout["barmode"] = "group";
        return new PlotlyChart(groups.Select(g => new JsonObject
        {
            ["type"] = "bar", ["name"] = g.Name, ["x"] = new JsonArray(names.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()), ["y"] = Array(g.Values),
        }), layout);
    }

    /// <summary>
    /// A histogram normalised to a probability density, so that it can be compared with a density curve. The samples are
    /// binned here and only the bins go into the chart: a million pixel values make a chart of a few hundred numbers.
    /// Give two histograms the same <paramref name="range"/> to overlay them bin on bin; samples outside it are not drawn.
    /// With <paramref name="outline"/> the histogram is drawn as its outline only, a step line along the tops of the
    /// bars, so that an overlaid histogram's bars stay visible through it.
    /// </summary>
    public static PlotlyChart Histogram(string title, string xTitle, IReadOnlyList<double> samples, int bins = 60, string name = "samples",
        (double Low, double High)? range = null, bool outline = false)
    {
        if (bins < 1)
            throw new ArgumentOutOfRangeException(nameof(bins), bins, "Need at least one bin.");
        double[] finite = samples.Where(double.IsFinite).ToArray();
        if (finite.Length == 0)
            throw new ArgumentException("No finite samples to histogram.", nameof(samples));
        var (low, high) = range ?? (finite.Min(), finite.Max());
        if (!(high >= low))
            throw new ArgumentException($"The range ({low}, {high}) is empty.", nameof(range));
        int total = finite.Length;                                                                  // the density is a share of all samples
        finite = finite.Where(v => v >= low && v <= high).ToArray();                               // outside a given range: not drawn
        double width = high > low ? (high - low) / bins : 1.0;
        var counts = new double[bins];
        foreach (double v in finite)
            counts[Math.Min((int)((v - low) / width), bins - 1)]++;
        if (outline)
        {
            // The step line over the bin edges e_0..e_n, down to 0 at both ends: (e_0, 0), (e_0, d_0), (e_1, d_1), ..
            var edges = Enumerable.Range(0, bins + 1).Select(i => low + i * width).ToList();
            var densities = counts.Select(c => c / (total * width)).ToList();
            var outlineTrace = new JsonObject
            {
                ["type"] = "scatter", ["mode"] = "lines", ["name"] = name, ["line"] = new JsonObject { ["shape"] = "hv", ["width"] = 2 },
                ["x"] = Array([edges[0], .. edges, edges[^1]]),
                ["y"] = Array([0.0, .. densities, densities[^1], 0.0]),
            };
            return new PlotlyChart([outlineTrace], Layout(title, xTitle, "density", showLegend: false));
        }
        var trace = new JsonObject
        {
            ["type"] = "bar", ["name"] = name, ["opacity"] = 0.75, ["width"] = width,
            ["x"] = Array(Enumerable.Range(0, bins).Select(i => low + (i + 0.5) * width)),           // bin centres
            ["y"] = Array(counts.Select(c => c / (total * width))),                                  // density: integrates to 1 over all samples
        };
        var layout = Layout(title, xTitle, "density", showLegend: false);                           // Overlay gives its charts a legend
        layout["bargap"] = 0;
        return new PlotlyChart([trace], layout);
    }

    /// <summary>A heat map of z[row][column] (e.g. a timestep embedding), rows along y and columns along x.</summary>
    public static PlotlyChart Heatmap(string title, string xTitle, string yTitle, double[][] z)
    {
        var rows = new JsonArray(z.Select(row => (JsonNode)Array(row)).ToArray());
        var trace = new JsonObject { ["type"] = "heatmap", ["z"] = rows, ["colorscale"] = "RdBu" };
        return new PlotlyChart([trace], Layout(title, xTitle, yTitle));
    }

    /// <summary>Puts the traces of several charts on one set of axes (e.g. a histogram and a density curve).</summary>
    public static PlotlyChart Overlay(string title, string xTitle, string yTitle, params PlotlyChart[] charts)
    {
        var traces = charts.SelectMany(c => c.Traces).Select(t => (JsonObject)t.DeepClone()).ToList();
        return new(traces, WithLegendBelowIfLong(Layout(title, xTitle, yTitle), traces.Select(t => (string?)t["name"] ?? "")));
    }

    private static JsonObject Layout(string title, string xTitle, string yTitle, bool showLegend = true) => new()
    {
        ["title"] = new JsonObject { ["text"] = title },
        ["xaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = xTitle } },
        ["yaxis"] = new JsonObject { ["title"] = new JsonObject { ["text"] = yTitle } },
        ["showlegend"] = showLegend,
        ["width"] = 720,
        ["height"] = 420,
        ["barmode"] = "overlay",
    };

    /// <summary>JSON has no NaN or infinity: such values become null, which plotly.js draws as a gap.</summary>
    private static JsonArray Array(IEnumerable<double> values) =>
        new(values.Select(v => double.IsFinite(v) ? (JsonNode)JsonValue.Create(v) : null).ToArray());
}
