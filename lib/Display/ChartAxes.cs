using System.Collections;
using System.Globalization;
using DynamicObj;
using Plotly.NET;

namespace Diffusion.Display;

/// <summary>
/// Logarithmic axes for a chart of <see cref="Charts"/>: <c>Charts.Lines(...).WithLogX()</c>. Each returns a new chart
/// and leaves the one it is given as it was (Plotly.NET's own With functions change the layout they are given).
/// </summary>
public static class ChartAxes
{
    /// <summary>
    /// A copy with a logarithmic x axis (for step counts 10 .. 1000, learning rates, ...). Where the values span two
    /// decades or more, the ticks are the powers of ten alone, written 1, 10, 100, 1000 (and 10⁻² or 10⁵ beyond that),
    /// without plotly's minor labels, which read 1, 2, 5, 10, 2, 5, 100 along a log axis. Over less, where plotly labels
    /// one or two values, the ticks are 1, 2 and 5 times the powers of ten (5, 10, 20, 50 for step counts 5 to 50).
    /// </summary>
    public static GenericChart WithLogX(this GenericChart chart)
    {
        var copy = WithOwnLayout(chart);
        var xAxis = Axis(copy, "xaxis");
        xAxis.SetProperty("type", StyleParam.AxisType.Log.ToString());
        var values = GenericChart.getTraces(chart).SelectMany(t => Values(t, "x")).ToList();
        if (!OneTwoFiveTicks(xAxis, values))
            DecadeTicks(xAxis, values, plainUpTo: 4);
        return copy;
    }

    /// <summary>
    /// A copy with a logarithmic y axis (for quantities spanning several orders of magnitude). Its ticks read as powers
    /// of ten (10⁻⁴), not with SI prefixes (100µ), which suit no quantity of the course. Where the values span two
    /// decades or more, every tick is a power of ten written the same way (10⁻¹, 10⁰, 10¹), without plotly's minor
    /// labels (2, 5) between them, which mix with the major ones into an axis that reads 10, 5, 2, 1, 5, 2, 10⁻¹.
    /// </summary>
    public static GenericChart WithLogY(this GenericChart chart)
    {
        var copy = WithOwnLayout(chart);
        var yAxis = Axis(copy, "yaxis");
        yAxis.SetProperty("type", StyleParam.AxisType.Log.ToString());
        yAxis.SetProperty("exponentformat", StyleParam.ExponentFormat.Power.ToString());
        DecadeTicks(yAxis, GenericChart.getTraces(chart).SelectMany(t => Values(t, "y")), plainUpTo: -1);
        return copy;
    }

    /// <summary>
    /// Ticks at the powers of ten the positive values span, when they span two decades or more (fewer: plotly's own).
    /// 10^k for 0 &lt;= k &lt;= <paramref name="plainUpTo"/> is written as a number (1000), any other as a power.
    /// </summary>
    private static void DecadeTicks(DynamicObj.DynamicObj axis, IEnumerable<double> values, int plainUpTo)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (positive.Count == 0)
            return;
        int low = (int)Math.Floor(Math.Log10(positive.Min()));
        int high = (int)Math.Ceiling(Math.Log10(positive.Max()));
        if (high - low < 2)
            return;
        var powers = Enumerable.Range(low, high - low + 1).ToList();
        axis.SetProperty("tickvals", powers.Select(k => Math.Pow(10, k)).ToArray());
        axis.SetProperty("ticktext", powers.Select(k => k >= 0 && k <= plainUpTo
            ? Math.Pow(10, k).ToString("0", CultureInfo.InvariantCulture)
            : PowerOfTen(k)).ToArray());
    }

    /// <summary>
    /// Ticks at 1, 2 and 5 times the powers of ten (5, 10, 20, 50), written as numbers, when the positive values span
    /// less than two decades and at least two such ticks fall inside their range.
    /// </summary>
    /// <returns>Whether the ticks were set.</returns>
    private static bool OneTwoFiveTicks(DynamicObj.DynamicObj axis, IEnumerable<double> values)
    {
        var positive = values.Where(v => v > 0 && double.IsFinite(v)).ToList();
        if (positive.Count == 0)
            return false;
        double low = positive.Min(), high = positive.Max();
        if (Math.Log10(high / low) >= 2)
            return false;
        var ticks = Enumerable.Range((int)Math.Floor(Math.Log10(low)), 3)
            .SelectMany(k => new[] { 1.0, 2.0, 5.0 }.Select(m => m * Math.Pow(10, k)))
            .Where(v => v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9)).ToList();
        if (ticks.Count < 2)
            return false;
        axis.SetProperty("tickvals", ticks.ToArray());
        axis.SetProperty("ticktext", ticks.Select(v => v.ToString("G4", CultureInfo.InvariantCulture)).ToArray());
        return true;
    }

    /// <summary>10 to the power k as plotly's HTML subset writes it: 10&lt;sup&gt;−2&lt;/sup&gt; (a true minus sign).</summary>
    private static string PowerOfTen(int k) => $"10<sup>{(k < 0 ? "\u2212" : "")}{Math.Abs(k)}</sup>";

    /// <summary>The same traces with a deep copy of the layout, which the caller may then change.</summary>
    private static GenericChart WithOwnLayout(GenericChart chart)
    {
        var layout = new Layout();
        GenericChart.getLayout(chart).DeepCopyPropertiesTo(layout, null, null);   // (includeInstanceProperties, overWrite): defaults
        return GenericChart.setLayout(layout, chart);
    }

    /// <summary>
    /// The layout's "xaxis" or "yaxis" object, set by <see cref="Charts"/> (changed in place: Plotly.NET's
    /// WithXAxisStyle on a copied layout drops the axis title it merges into).
    /// </summary>
    private static DynamicObj.DynamicObj Axis(GenericChart chart, string name) =>
        GenericChart.getLayout(chart).TryGetPropertyValue(name)?.Value as DynamicObj.DynamicObj
        ?? throw new ArgumentException($"The chart has no {name}: make it with Charts.", nameof(chart));

    /// <summary>A trace's numeric x or y values (a gap, null, and a category name are skipped).</summary>
    private static IEnumerable<double> Values(Trace trace, string coordinate) =>
        trace.TryGetPropertyValue(coordinate)?.Value is IEnumerable values
            ? values.Cast<object?>().Where(v => v is IConvertible and not string)
                .Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture))
            : [];
}
