using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;

namespace Diffusion.Display;

/// <summary>
/// A plain table that shows as HTML in a notebook (and as aligned text from ToString), for results a learner should read
/// rather than expand: <c>Table.Of(scores.Select(s => new { Sampler = s.Name, Steps = s.Steps, Distance = s.Value }))</c>.
/// The columns are the public properties of the rows, in declaration order; doubles are written with up to four
/// decimals (in scientific notation when very large or very small), integers in full.
/// </summary>
[TypeFormatterSource(typeof(HtmlViewFormatterSource))]
public sealed class Table : IHtmlView
{
    public Table(IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyList<string>> rows)
    {
        if (rows.Any(r => r.Count != columns.Count))
            throw new ArgumentException($"Every row needs {columns.Count} cells, one per column.", nameof(rows));
        Columns = columns;
        Rows = rows;
    }

    public IReadOnlyList<string> Columns { get; }
    public IReadOnlyList<IReadOnlyList<string>> Rows { get; }

    /// <summary>One row per item, one column per public property (anonymous types and records work).</summary>
    public static Table Of<T>(IEnumerable<T> items)
    {
        var list = items.ToList();
        Type type = typeof(T) == typeof(object) && list.FirstOrDefault() is { } first ? first.GetType() : typeof(T);   // a List<object> of anonymous rows
        PropertyInfo[] properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance);
        if (properties.Length == 0)
            throw new ArgumentException($"{typeof(T).Name} has no public properties to show as columns.", nameof(items));
        var rows = list.Select(item => (IReadOnlyList<string>)properties.Select(p => Format(p.GetValue(item))).ToList()).ToList();
        return new Table(properties.Select(p => p.Name).ToList(), rows);
    }

    /// <summary>A cell's text: doubles with up to four decimals, everything else as ToString (invariant culture).</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d when double.IsNaN(d) => "n/a",
        double d => d.ToString(Math.Abs(d) >= 1e5 || (d != 0 && Math.Abs(d) < 1e-3) ? "0.###E+0" : "#,0.####", CultureInfo.InvariantCulture),
        float f => Format((double)f),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public string ToHtml()
    {
        var html = new StringBuilder("<table><thead><tr>");
        foreach (string column in Columns)
            html.Append("<th style=\"text-align:left\">").Append(WebUtility.HtmlEncode(column)).Append("</th>");
        html.Append("</tr></thead><tbody>");
        foreach (var row in Rows)
        {
            html.Append("<tr>");
            foreach (string cell in row)
                html.Append("<td style=\"text-align:left\">").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            html.Append("</tr>");
        }
        return html.Append("</tbody></table>").ToString();
    }

    public override string ToString()
    {
        int[] widths = Columns.Select((c, i) => Rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        return string.Join("\n", Rows.Select(Line).Prepend(Line(Columns)));
    }
}
