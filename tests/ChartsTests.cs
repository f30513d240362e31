using System.Text.Json.Nodes;
using Diffusion.Display;
using Plotly.NET;

namespace Diffusion.Tests;

/// <summary>A chart's figure as Plotly.NET writes it for plotly.js: {"data": [trace...], "layout": {...}}.</summary>
internal static class Figure
{
    public static JsonNode Of(GenericChart chart) => JsonNode.Parse(GenericChart.toJson(chart))!;
    public static IReadOnlyList<JsonNode> Traces(GenericChart chart) => Of(chart)["data"]!.AsArray().Select(t => t!).ToList();
    public static JsonNode Layout(GenericChart chart) => Of(chart)["layout"]!;
    public static string Json(this GenericChart chart) => GenericChart.toJson(chart);
}

/// <summary>The charts the lessons use, checked in the figure plotly.js receives.</summary>
public class ChartsTests
{
    [Fact]
    public void Lines_become_scatter_traces_with_their_data()
    {
        var chart = Charts.Lines("title", "t", "value",
            new LineSeries("a", [1, 2, 3], [10, 20, 30]),
            new LineSeries("b", [1, 2], [double.NaN, 5]));
        var figure = Figure.Of(chart);
        var traces = figure["data"]!.AsArray();
        Assert.Equal(2, traces.Count);
        Assert.Equal("scatter", (string?)traces[0]!["type"]);
        Assert.Equal("b", (string?)traces[1]!["name"]);
        Assert.Equal([10.0, 20.0, 30.0], traces[0]!["y"]!.AsArray().Select(v => (double)v!));
        Assert.Null(traces[1]!["y"]![0]);                      // NaN is not JSON: drawn as a gap
        Assert.Equal("title", (string?)figure["layout"]!["title"]!["text"]);
        Assert.Equal("t", (string?)figure["layout"]!["xaxis"]!["title"]!["text"]);
    }

    /// <summary>A saved page calls plotly.js on its own div with the data, and loads plotly.js from a file beside it.</summary>
    [Fact]
    public void A_saved_page_draws_the_chart_with_the_plotly_js_beside_it()
    {
        string folder = Path.Combine(Path.GetTempPath(), "chart-page-" + Guid.NewGuid().ToString("N"));
        try
        {
            string path = Path.Combine(folder, "counts.html");
            ChartPage.Save(Charts.Bars("class counts", "class", "n", ["shirt", "boot"], [17, 4]), path);
            string html = File.ReadAllText(path);
            string id = html.Split("<div id=\"")[1].Split('"')[0];
            Assert.Contains($"Plotly.newPlot('{id}', data, layout, config)", html);
            Assert.Contains("\"x\":[\"shirt\",\"boot\"],\"y\":[17.0,4.0]", html.Replace(" ", ""));
            Assert.Contains($"<script src=\"{ChartPage.PlotlyJsFile}\"", html);
            Assert.Contains("<title>class counts</title>", html);
            Assert.StartsWith("/**", File.ReadAllText(Path.Combine(folder, ChartPage.PlotlyJsFile))[..3]);   // plotly.js's licence header
            Assert.True(new FileInfo(Path.Combine(folder, ChartPage.PlotlyJsFile)).Length > 1_000_000);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A chart embedded in a view loads plotly.js through require.js, as Plotly.NET.Interactive's output does.</summary>
    [Fact]
    public void A_fragment_loads_plotly_js_through_require_js()
    {
        var chart = Charts.Lines("loss", "step", "MSE", new LineSeries("loss", [1, 2], [0.5, 0.25]));
        string html = ChartPage.Fragment(chart);
        Assert.Contains($"paths:{{plotly:'{ChartPage.PlotlyJsUrl[..^3]}'}}", html);
        Assert.Contains("Plotly.newPlot(", html);
        Assert.Contains("[0.5,0.25]", html);
        Assert.DoesNotContain("require", GenericChart.toChartHTML(chart));           // the chart's own options are untouched
    }

    /// <summary>Two maps read on one colour scale when given one range.</summary>
    [Fact]
    public void A_heatmap_can_fix_its_colour_range()
    {
        var trace = Figure.Traces(Charts.Heatmap("s", "x", "y", [[0.2, 0.4], [0.1, 0.3]], zRange: (-1, 1)))[0]!;
        Assert.Equal("heatmap", (string)trace["type"]!);
        Assert.Equal(-1.0, (double)trace["zmin"]!);
        Assert.Equal(1.0, (double)trace["zmax"]!);
        Assert.Throws<ArgumentException>(() => Charts.Heatmap("s", "x", "y", [[0.2, 0.4], [0.1]]));
    }

    [Fact]
    public void Mismatched_lengths_are_rejected_naming_the_series()
    {
        var error = Assert.Throws<ArgumentException>(() => Charts.Lines("t", "x", "y", new LineSeries("bad", [1, 2], [1])));
        Assert.Contains("bad", error.Message);
    }

    [Fact]
    public void A_log_x_copy_leaves_the_original_linear()
    {
        var chart = Charts.Lines("t", "steps", "y", new LineSeries("a", [10, 100, 1000], [3, 2, 1]));
        var logChart = chart.WithLogX();
        Assert.Equal("steps", (string)Figure.Layout(logChart)["xaxis"]!["title"]!["text"]!);   // the axis keeps its title
        Assert.Contains("\"type\":\"log\"", logChart.Json());
        Assert.DoesNotContain("\"log\"", chart.Json());
    }

    [Fact]
    public void Grouped_bars_are_one_named_trace_per_group_side_by_side()
    {
        var chart = Charts.GroupedBars("f", "class", "fraction", ["a", "b"], new BarGroup("data", [0.5, 0.5]), new BarGroup("samples", [0.25, 0.75]));
        Assert.Equal(["data", "samples"], Figure.Traces(chart).Select(t => (string)t!["name"]!));
        Assert.Equal("group", (string)Figure.Layout(chart)["barmode"]!);
        Assert.Throws<ArgumentException>(() => Charts.GroupedBars("f", "x", "y", ["a"], new BarGroup("bad", [1, 2])));
    }
}

public class TableTests
{
    [Fact]
    public void A_table_of_anonymous_rows_has_their_properties_as_columns()
    {
        var table = Diffusion.Display.Table.Of(new[] { new { Sampler = "DDIM", Steps = 50, Distance = 207.40512 }, new { Sampler = "DDPM <1>", Steps = 1000, Distance = 0.00012 } });
        Assert.Equal(["Sampler", "Steps", "Distance"], table.Columns);
        Assert.Equal(["DDIM", "50", "207.4051"], table.Rows[0]);
        Assert.Equal(["DDPM <1>", "1000", "1.2E-4"], table.Rows[1]);
        Assert.Contains("<th style=\"text-align:left\">Distance</th>", table.ToHtml());
        Assert.Contains("DDPM &lt;1&gt;", table.ToHtml());                                       // cells are escaped
        Assert.Equal("Sampler   Steps  Distance", table.ToString().Split('\n')[0]);
    }
}

public class ChartDetailTests
{
    [Fact]
    public void Short_series_get_markers_so_a_single_point_is_seen()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("one point", [20.0], [5.0]),
            new LineSeries("long", Enumerable.Range(0, 100).Select(i => (double)i).ToList(), Enumerable.Range(0, 100).Select(i => (double)i).ToList()));
        Assert.Equal("lines+markers", (string)Figure.Traces(chart)[0]["mode"]!);
        Assert.Equal("lines", (string)Figure.Traces(chart)[1]["mode"]!);
        Assert.Equal("log", (string)Figure.Layout(chart.WithLogY())["yaxis"]!["type"]!);
        Assert.True((bool)Figure.Layout(chart)["showlegend"]!);
        Assert.False((bool)Figure.Layout(Charts.Lines("t", "x", "y", new LineSeries("the only one", [1.0], [2.0])))["showlegend"]!);   // the title names it
    }

    /// <summary>A reference curve can be dashed, so that a curve it covers still shows through.</summary>
    [Fact]
    public void A_series_can_be_dashed()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("data", [1.0, 2.0], [1.0, 2.0]),
            new LineSeries("formula", [1.0, 2.0], [1.0, 2.0], LineStyle.Dashed));
        Assert.Equal("solid", (string)Figure.Traces(chart)[0]["line"]!["dash"]!);
        Assert.Equal("dash", (string)Figure.Traces(chart)[1]["line"]!["dash"]!);
    }

    /// <summary>Long legend names go below the plot instead of squeezing it.</summary>
    [Fact]
    public void A_long_legend_goes_below_the_plot()
    {
        var shortNames = Charts.Lines("t", "x", "y", new LineSeries("a", [1.0], [1.0]), new LineSeries("b", [1.0], [2.0]));
        var longNames = Charts.Lines("t", "x", "y", new LineSeries("q(x_{t-1} | x_t, x_0 = -0.5), the posterior", [1.0], [1.0]),
            new LineSeries("b", [1.0], [2.0]));
        Assert.Null(Figure.Layout(shortNames)["legend"]);
        Assert.Equal("h", (string)Figure.Layout(longNames)["legend"]!["orientation"]!);
    }

    /// <summary>Two histograms given one range share their bin edges, so overlaid bars line up.</summary>
    [Fact]
    public void Histograms_with_one_range_share_their_bins()
    {
        var first = Charts.Histogram("h", "x", [0.1, 0.2, 0.9], bins: 4, range: (0, 1));
        var second = Charts.Histogram("h", "x", [0.3, 0.35, 0.5], bins: 4, range: (0, 1));
        double[] Centres(GenericChart c) => Figure.Traces(c)[0]["x"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal(Centres(first), Centres(second));
        Assert.Equal([0.125, 0.375, 0.625, 0.875], Centres(first));
        Assert.Throws<ArgumentException>(() => Charts.Histogram("h", "x", [0.5], range: (1, 0)));
    }

    /// <summary>Log-axis ticks read 10^-4, not plotly's default SI prefix (100µ bits/dim).</summary>
    [Fact]
    public void A_log_y_axis_labels_its_ticks_as_powers_of_ten()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("s", [1.0, 2.0], [1e-6, 1.0])).WithLogY();
        Assert.Equal("power", (string)Figure.Layout(chart)["yaxis"]!["exponentformat"]!);
    }

    /// <summary>A million samples become 50 bars whose areas sum to 1 (a density), not a million numbers in the page.</summary>
    [Fact]
    public void A_histogram_carries_its_bins_not_its_samples()
    {
        var random = new Random(1);
        double[] samples = Enumerable.Range(0, 1_000_000).Select(_ => random.NextDouble() * 2 - 1).ToArray();
        var chart = Charts.Histogram("h", "x", samples, bins: 50);
        var heights = Figure.Traces(chart)[0]["y"]!.AsArray().Select(v => (double)v!).ToList();
        double width = (double)Figure.Traces(chart)[0]["width"]!;
        Assert.Equal(50, heights.Count);
        Assert.Equal(1.0, heights.Sum() * width, 9);
        Assert.InRange(heights.Min(), 0.45, 0.55);                                               // uniform on [-1, 1]: density 1/2
        Assert.True(chart.Json().Length < 10_000);
    }
}

public class TrainingMonitorTests
{
    /// <summary>
    /// A loss that starts at 1 and drops to 0.2: the bias-corrected average equals the first loss at step 1 and reads
    /// about 0.2 a hundred steps later (an average started at the first loss would still read 0.31).
    /// </summary>
    [Fact]
    public void The_smoothed_loss_follows_the_loss_without_lagging_behind_its_start()
    {
        var monitor = new TrainingMonitor(totalSteps: 101, batchSize: 8);
        Assert.Contains("step 0 / 101 · waiting for the first step", monitor.ToHtml());   // no NaN before the first step
        monitor.Add(new Diffusion.Training.StepResult(1, 1.0, 1e-3, 1, 0));
        Assert.Equal(1.0, monitor.Smoothed[0], 12);
        for (int step = 2; step <= 101; step++)
            monitor.Add(new Diffusion.Training.StepResult(step, 0.2, 1e-3, 1, 0));
        Assert.InRange(monitor.Smoothed[^1], 0.2, 0.205);
        Assert.Contains("loss 0.2000 (smoothed 0.20", monitor.ToHtml());
        Assert.Contains("data-live-view=\"monitor-", monitor.ToHtml());
    }
}

public class PageTextTests
{
    [Fact]
    public void Long_lines_break_at_spaces_and_numbers_stay_whole()
    {
        string text = "gap 0.7240 +- 0.0465 bits/dim; prior term 2.8e-6 bits/dim";   // 58 characters
        string wrapped = PageText.Wrap(text, width: 30);
        Assert.Equal(["gap 0.7240 +- 0.0465 bits/dim;", "prior term 2.8e-6 bits/dim"], wrapped.Split('\n'));
        Assert.Equal(text, string.Join(" ", wrapped.Split('\n')));                     // nothing lost but the break's space
    }

    [Fact]
    public void Short_lines_line_breaks_and_indentation_are_kept()
    {
        Assert.Equal("one\ntwo", PageText.Wrap("one\ntwo", width: 10));
        Assert.Equal(["  aaaa bbbb", "  cccc"], PageText.Wrap("  aaaa bbbb cccc", width: 12).Split('\n'));
        Assert.Equal(["abcdefghijkl", "mn"], PageText.Wrap("abcdefghijkl mn", width: 5).Split('\n'));   // a long word stays whole
        Assert.Equal(["accuracy", "91.31 % on all"], PageText.Wrap("accuracy 91.31 % on all", width: 15).Split('\n'));
        Assert.All(PageText.Wrap(string.Join(" ", Enumerable.Repeat("word", 100))).Split('\n'),
            line => Assert.True(line.Length <= PageText.Width));
    }
}

public class ChartReadabilityTests
{
    /// <summary>Over two decades or more every tick is a power of ten, all written alike: no minor labels 2 and 5.</summary>
    [Fact]
    public void A_log_y_axis_over_several_decades_has_only_powers_of_ten_as_ticks()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("s", [1.0, 2.0, 3.0], [0.05, 3.0, 40.0])).WithLogY();
        var axis = Figure.Layout(chart)["yaxis"]!;
        Assert.Equal([0.01, 0.1, 1.0, 10.0, 100.0], axis["tickvals"]!.AsArray().Select(v => (double)v!));
        Assert.Equal(["10<sup>\u22122</sup>", "10<sup>\u22121</sup>", "10<sup>0</sup>", "10<sup>1</sup>", "10<sup>2</sup>"],
            axis["ticktext"]!.AsArray().Select(v => (string)v!));
        var narrow = Charts.Lines("t", "x", "y", new LineSeries("s", [1.0, 2.0], [0.03, 0.08])).WithLogY();
        Assert.Null(Figure.Layout(narrow)["yaxis"]!["tickvals"]);                  // under two decades: plotly's own ticks
    }

    /// <summary>A log x axis over step counts reads 1, 10, 100, 1000: no minor labels 2 and 5 between them.</summary>
    [Fact]
    public void A_log_x_axis_over_several_decades_has_only_powers_of_ten_as_ticks()
    {
        var axis = Figure.Layout(Charts.Lines("t", "x", "y", new LineSeries("s", [1.0, 20.0, 999.0], [1.0, 2.0, 3.0])).WithLogX())["xaxis"]!;
        Assert.Equal([1.0, 10.0, 100.0, 1000.0], axis["tickvals"]!.AsArray().Select(v => (double)v!));
        Assert.Equal(["1", "10", "100", "1000"], axis["ticktext"]!.AsArray().Select(v => (string)v!));
        var rates = Figure.Layout(Charts.Lines("t", "x", "y", new LineSeries("s", [1e-4, 1e-2], [1.0, 2.0])).WithLogX())["xaxis"]!;
        Assert.Equal("10<sup>\u22124</sup>", (string)rates["ticktext"]![0]!);
    }

    /// <summary>Under two decades plotly would label only 10; the ticks are then 1, 2 and 5 times powers of ten.</summary>
    [Fact]
    public void A_log_x_axis_under_two_decades_has_ticks_at_one_two_and_five()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("a", [5.0, 10.0, 20.0, 50.0], [9.0, 8.0, 7.0, 6.0]),
            new LineSeries("b", [5.0, 9.0, 19.0, 49.0], [9.0, 8.0, 7.0, 6.0]));
        var axis = Figure.Layout(chart.WithLogX())["xaxis"]!;
        Assert.Equal([5.0, 10.0, 20.0, 50.0], axis["tickvals"]!.AsArray().Select(v => (double)v!));
        Assert.Equal(["5", "10", "20", "50"], axis["ticktext"]!.AsArray().Select(v => (string)v!));
        var narrow = Figure.Layout(Charts.Lines("t", "x", "y", new LineSeries("s", [11.0, 19.0], [1.0, 2.0])).WithLogX())["xaxis"]!;
        Assert.Null(narrow["tickvals"]);                                                // no two of 1, 2, 5 inside: plotly's own
    }

    /// <summary>A dashed reference line (a floor, a formula) gets no markers even when it is two points long.</summary>
    [Fact]
    public void Reference_lines_get_no_markers()
    {
        var chart = Charts.Lines("t", "x", "y", new LineSeries("data", [1.0, 2.0], [1.0, 2.0]),
            new LineSeries("floor", [1.0, 2.0], [0.5, 0.5], LineStyle.Dashed));
        Assert.Equal(["lines+markers", "lines"], Figure.Traces(chart).Select(t => (string)t!["mode"]!));
    }

    /// <summary>An outline histogram is a step line over the bin edges with the bars' densities, closed at 0.</summary>
    [Fact]
    public void An_outline_histogram_traces_the_tops_of_the_bars()
    {
        double[] samples = [0.1, 0.2, 0.3, 0.9];
        var bars = Charts.Histogram("h", "x", samples, bins: 2, range: (0, 1));
        var outline = Charts.Histogram("h", "x", samples, bins: 2, range: (0, 1), outline: true);
        var trace = Figure.Traces(outline)[0];
        Assert.Equal("scatter", (string)trace["type"]!);
        Assert.Equal("hv", (string)trace["line"]!["shape"]!);
        Assert.Equal([0.0, 0.0, 0.5, 1.0, 1.0], trace["x"]!.AsArray().Select(v => (double)v!));
        double[] heights = Figure.Traces(bars)[0]["y"]!.AsArray().Select(v => (double)v!).ToArray();
        Assert.Equal([0.0, heights[0], heights[1], heights[1], 0.0], trace["y"]!.AsArray().Select(v => (double)v!));
        Assert.Equal([1.5, 0.5], heights);                                  // 3 of 4 samples in [0, 0.5): density 1.5
    }
}
