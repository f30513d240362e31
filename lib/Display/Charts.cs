using Plotly.NET;
using Plotly.NET.CSharp;
using Chart = Plotly.NET.CSharp.Chart;

namespace Diffusion.Display;

/// <summary>How a curve is drawn: solid for data, dashed or dotted for references (a mean, a band, a formula).</summary>
public enum LineStyle { Solid, Dashed, Dotted }

/// <summary>One named curve of a line chart.</summary>
public sealed record LineSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y, LineStyle Style = LineStyle.Solid);

/// <summary>One named set of bars of a grouped bar chart, one value per category.</summary>
public sealed record BarGroup(string Name, IReadOnlyList<double> Values);

/// <summary>
/// The chart kinds the lessons use, with the course's defaults, so that a notebook needs one line per chart. Each is a
/// Plotly.NET <see cref="GenericChart"/>, built with Plotly.NET's C# bindings (Plotly.NET.CSharp); in a notebook it
/// displays inline as the value of a cell (through Plotly.NET.Interactive), and <c>figures.Show(chart, "name")</c> also
/// saves it as a page that opens offline (<see cref="ChartPage"/>). <see cref="ChartAxes"/> adds logarithmic axes.
/// </summary>
public static class Charts
{
    /// <summary>
    /// Data curves of at most this many points also get markers, so that a series of one point is still seen. Dashed
    /// and dotted curves are references (a floor, a formula) and never get them.
    /// </summary>
    public const int MarkersUpTo = 30;

    /// <summary>Legend entries longer than this go below the plot, where they do not squeeze it sideways.</summary>
    public const int LongLegendName = 28;

    public const int Width = 720;
    public const int Height = 420;

    /// <summary>The height of a chart whose legend sits below it.</summary>
    public const int HeightWithLegendBelow = 480;

    /// <summary>Several curves on shared axes. Values that are not finite are drawn as gaps.</summary>
    public static GenericChart Lines(string title, string xTitle, string yTitle, params LineSeries[] series)
    {
        if (series.Length == 0)
            throw new ArgumentException("At least one series is needed.", nameof(series));
        foreach (var s in series.Where(s => s.X.Count != s.Y.Count))
            throw new ArgumentException($"Series '{s.Name}' has {s.X.Count} x values and {s.Y.Count} y values.", nameof(series));
        var curves = series.Select(s => WithGaps(Chart.Line<double, double, string>(s.X, s.Y,
            ShowMarkers: s.Style == LineStyle.Solid && s.X.Count <= MarkersUpTo, Name: s.Name, LineDash: Dash(s.Style))));
        var chart = Styled(Chart.Combine(curves), title, xTitle, yTitle, showLegend: series.Length > 1);   // one curve: the title names it
        return WithLegendBelowIfLong(chart, series.Select(s => s.Name));
    }

    /// <summary>A bar chart of named values (e.g. class counts).</summary>
    public static GenericChart Bars(string title, string xTitle, string yTitle, IReadOnlyList<string> names, IReadOnlyList<double> values)
    {
        if (names.Count != values.Count)
            throw new ArgumentException($"{names.Count} names for {values.Count} values.", nameof(values));
        return Styled(Chart.Column<double, string, string>(values, Keys: Optional<IEnumerable<string>>(names)), title, xTitle, yTitle, showLegend: false);
    }

    /// <summary>Several sets of values for the same names, as bars side by side (e.g. class frequencies of data and samples).</summary>
    public static GenericChart GroupedBars(string title, string xTitle, string yTitle, IReadOnlyList<string> names, params BarGroup[] groups)
    {
        foreach (var g in groups.Where(g => g.Values.Count != names.Count))
            throw new ArgumentException($"Group '{g.Name}' has {g.Values.Count} values for {names.Count} names.", nameof(groups));
        var bars = groups.Select(g => Chart.Column<double, string, string>(g.Values, Keys: Optional<IEnumerable<string>>(names), Name: g.Name));
        var chart = Styled(Chart.Combine(bars), title, xTitle, yTitle, showLegend: true);
        GenericChart.getLayout(chart).SetProperty("barmode", StyleParam.BarMode.Group.ToString());
        return chart;
    }

    /// <summary>
    /// A histogram normalised to a probability density, so that it can be compared with a density curve. The samples are
    /// binned here and only the bins go into the chart: a million pixel values make a chart of a few hundred numbers.
    /// Give two histograms the same <paramref name="range"/> to overlay them bin on bin; samples outside it are not drawn.
    /// With <paramref name="outline"/> the histogram is drawn as its outline only, a step line along the tops of the
    /// bars, so that an overlaid histogram's bars stay visible through it.
    /// </summary>
    public static GenericChart Histogram(string title, string xTitle, IReadOnlyList<double> samples, int bins = 60, string name = "samples",
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
        var densities = counts.Select(c => c / (total * width)).ToList();                          // integrates to 1 over all samples
        GenericChart chart;
        if (outline)
        {
            // The step line over the bin edges e_0..e_n, down to 0 at both ends: (e_0, 0), (e_0, d_0), (e_1, d_1), ..
            var edges = Enumerable.Range(0, bins + 1).Select(i => low + i * width).ToList();
            chart = Chart.Line<double, double, string>([edges[0], .. edges, edges[^1]], [0.0, .. densities, densities[^1], 0.0],
                Name: name, LineWidth: 2.0);
            SetOnTraces(chart, "line", "shape", StyleParam.Shape.Hv.ToString());                   // steps, not slopes
        }
        else
        {
            var centres = Enumerable.Range(0, bins).Select(i => low + (i + 0.5) * width).ToList();
            chart = Chart.Column<double, double, string>(densities, Keys: Optional<IEnumerable<double>>(centres), Name: name,
                Opacity: 0.75, Width: width);
        }
        chart = Styled(chart, title, xTitle, "density", showLegend: false);                        // Overlay gives its charts a legend
        if (!outline)
            GenericChart.getLayout(chart).SetProperty("bargap", 0.0);
        return chart;
    }

    /// <summary>
    /// A heat map of z[row][column] (e.g. a timestep embedding), rows along y and columns along x, in plotly.js's RdBu
    /// scale. Give two maps the same <paramref name="zRange"/> to read them on one colour scale.
    /// </summary>
    public static GenericChart Heatmap(string title, string xTitle, string yTitle, double[][] z, (double Low, double High)? zRange = null)
    {
        if (z.Length == 0 || z.Any(row => row.Length != z[0].Length))
            throw new ArgumentException("z needs at least one row, and all rows of one length.", nameof(z));
        var chart = Chart.Heatmap<double, double, double, string>(z, ColorScale: StyleParam.Colorscale.RdBu);
        if (zRange is var (low, high))
        {
            if (!(high > low))
                throw new ArgumentException($"The colour range ({low}, {high}) is empty.", nameof(zRange));
            foreach (var trace in GenericChart.getTraces(chart))
            {
                trace.SetProperty("zmin", low);
                trace.SetProperty("zmax", high);
            }
        }
        return Styled(chart, title, xTitle, yTitle, showLegend: false);
    }

    /// <summary>Puts the traces of several charts on one set of axes (e.g. a histogram and a density curve).</summary>
    public static GenericChart Overlay(string title, string xTitle, string yTitle, params GenericChart[] charts)
    {
        if (charts.Length == 0)
            throw new ArgumentException("At least one chart is needed.", nameof(charts));
        var traces = charts.SelectMany(GenericChart.getTraces).ToList();
        var chart = Styled(Chart.Combine(charts.Select(c => GenericChart.ofTraceObjects(true, GenericChart.getTraces(c)))),
            title, xTitle, yTitle, showLegend: true);
        if (charts.Any(c => GenericChart.getLayout(c).TryGetPropertyValue("bargap") is not null))
            GenericChart.getLayout(chart).SetProperty("bargap", 0.0);                               // histogram bars stay touching
        return WithLegendBelowIfLong(chart, traces.Select(t => t.TryGetTypedPropertyValue<string>("name")?.Value ?? ""));
    }

    /// <summary>The course's look on any chart: titles, size, legend, no template (plotly.js's own defaults).</summary>
    private static GenericChart Styled(GenericChart chart, string title, string xTitle, string yTitle, bool showLegend)
    {
        chart = Plotly.NET.Chart.withTitle(title, null).Invoke(chart)
            .WithXAxisStyle<double, double, string>(TitleText: xTitle)
            .WithYAxisStyle<double, double, string>(TitleText: yTitle)
            .WithSize(Width, Height);
        var layout = GenericChart.getLayout(chart);
        layout.RemoveProperty("template");                                  // Plotly.NET's default template: 9 KB per chart
        layout.SetProperty("showlegend", showLegend);
        layout.SetProperty("barmode", StyleParam.BarMode.Overlay.ToString());
        return chart;
    }

    private static GenericChart WithLegendBelowIfLong(GenericChart chart, IEnumerable<string> names)
    {
        if (!names.Any(n => n.Length > LongLegendName))
            return chart;
        return chart
            .WithLegendStyle(Orientation: StyleParam.Orientation.Horizontal, X: 0.0, Y: -0.25, YAnchor: StyleParam.YAnchorPosition.Top)   // below the x title
            .WithSize(Width, HeightWithLegendBelow);
    }

    /// <summary>
    /// Non-finite values as nulls, which plotly.js draws as a gap (JSON has no NaN; Plotly.NET would write the token NaN).
    /// </summary>
    private static GenericChart WithGaps(GenericChart chart)
    {
        foreach (var trace in GenericChart.getTraces(chart))
            if (trace.TryGetTypedPropertyValue<IEnumerable<double>>("y")?.Value is { } ys && ys.Any(y => !double.IsFinite(y)))
                trace.SetProperty("y", ys.Select(y => double.IsFinite(y) ? (object)y : null).ToArray());
        return chart;
    }

    private static void SetOnTraces(GenericChart chart, string objectName, string property, object value)
    {
        foreach (var trace in GenericChart.getTraces(chart))
            if (trace.TryGetPropertyValue(objectName)?.Value is DynamicObj.DynamicObj part)
                part.SetProperty(property, value);
    }

    private static StyleParam.DrawingStyle Dash(LineStyle style) => style switch
    {
        LineStyle.Dashed => StyleParam.DrawingStyle.Dash,
        LineStyle.Dotted => StyleParam.DrawingStyle.Dot,
        _ => StyleParam.DrawingStyle.Solid,
    };

    /// <summary>A value for one of Plotly.NET.CSharp's optional arguments (C# converts no interface to it implicitly).</summary>
    private static Optional<T> Optional<T>(T value) => new(value, true);
}
