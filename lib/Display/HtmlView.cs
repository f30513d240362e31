namespace Diffusion.Display;

/// <summary>Something that renders itself as an HTML fragment: an image grid, a table, a progress line.</summary>
public interface IHtmlView
{
    string ToHtml();
}

/// <summary>
/// Makes every <see cref="IHtmlView"/> display as HTML when it is the value of a notebook cell.
/// .NET Interactive finds formatters by convention: a type carrying an attribute *named*
/// TypeFormatterSourceAttribute points at a class whose CreateTypeFormatters() yields objects with a MimeType and a
/// Format(object, TextWriter) method. Matching by name keeps the library free of any notebook-tooling package;
/// outside a notebook these types are inert.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Interface, Inherited = false)]
internal sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;
    public string[] PreferredMimeTypes { get; set; } = ["text/html"];
}

internal sealed class HtmlViewFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new HtmlViewFormatter();
    }
}

internal sealed class HtmlViewFormatter
{
    public string MimeType => "text/html";

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not IHtmlView view)
            return false;
        writer.Write(view.ToHtml());
        return true;
    }
}
