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
    /// <summary>A copy with a logarithmic x axis (for step counts 10 .. 1000, learning rates, ...).</summary>
    public static GenericChart WithLogX(this GenericChart chart)
    {
        var copy = WithOwnLayout(chart);
        Axis(copy, "xaxis").SetProperty("type", StyleParam.AxisType.Log.ToString());
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
        var positive = GenericChart.getTraces(chart)
            .SelectMany(YValues)
            .Where(v => v > 0 && double.IsFinite(v))
            .ToList();
        if (positive.Count > 0)
        {
            int low = (int)Math.Floor(Math.Log10(positive.Min()));
            int high = (int)Math.Ceiling(Math.Log10(positive.Max()));
            if (high - low >= 2)
            {
                var powers = Enumerable.Range(low, high - low + 1).ToList();
                yAxis.SetProperty("tickvals", powers.Select(k => Math.Pow(10, k)).ToArray());
                yAxis.SetProperty("ticktext", powers.Select(PowerOfTen).ToArray());
            }
        }
        return copy;
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

    /// <summary>A trace's y values (a gap, null, is skipped).</summary>
    private static IEnumerable<double> YValues(Trace trace) =>
        trace.TryGetPropertyValue("y")?.Value is IEnumerable values
            ? values.Cast<object?>().Where(v => v is not null).Select(v => Convert.ToDouble(v, CultureInfo.InvariantCulture))
            : [];
}
