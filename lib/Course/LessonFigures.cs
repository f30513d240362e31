using Diffusion.Display;
using Plotly.NET;

namespace Diffusion.Course;

/// <summary>
/// One lesson's figures: each is saved under &lt;output&gt;/figures/&lt;lesson&gt;/ and shown by the same call,
/// <c>figures.Show(chart, "betas")</c> as the last line of a cell. A chart (<see cref="Charts"/>) becomes a page,
/// any other <see cref="IFigure"/> (an image grid, an animation) its own kind of file. Get one with <see cref="CourseSettings.Figures"/>.
/// </summary>
public sealed class LessonFigures
{
    /// <param name="folder">Where the files go; created by the first save.</param>
    public LessonFigures(string folder) => Folder = Path.GetFullPath(folder);

    public string Folder { get; }

    /// <summary>
    /// Saves <paramref name="figure"/> as &lt;<see cref="Folder"/>&gt;/&lt;name&gt;&lt;extension&gt; and returns it, so that
    /// as a cell's last expression it is also displayed.
    /// </summary>
    /// <param name="name">A file name without its extension ("betas"); the figure's own extension is added.</param>
    public T Show<T>(T figure, string name) where T : IFigure
    {
        Save(figure, name);
        return figure;
    }

    /// <summary>
    /// Saves <paramref name="chart"/> as &lt;<see cref="Folder"/>&gt;/&lt;name&gt;.html, a page that opens offline
    /// (<see cref="ChartPage.Save"/>), and returns it, so that as a cell's last expression it is also displayed.
    /// </summary>
    public GenericChart Show(GenericChart chart, string name)
    {
        Save(chart, name);
        return chart;
    }

    /// <summary>Saves <paramref name="figure"/> without showing it (see <see cref="Show"/>) and returns the file's path.</summary>
    public string Save(IFigure figure, string name)
    {
        ArgumentNullException.ThrowIfNull(figure);
        string path = Path.Combine(Folder, FileName(name, figure.FileExtension, figure.GetType().Name));
        Directory.CreateDirectory(Folder);
        figure.Save(path);
        return path;
    }

    /// <summary>Saves <paramref name="chart"/> without showing it (see <see cref="Show(GenericChart, string)"/>) and returns the page's path.</summary>
    public string Save(GenericChart chart, string name)
    {
        ArgumentNullException.ThrowIfNull(chart);
        string path = Path.Combine(Folder, FileName(name, ChartExtension, "chart"));
        ChartPage.Save(chart, path);
        return path;
    }

    /// <summary>A chart is saved as a web page.</summary>
    public const string ChartExtension = ".html";

    /// <summary>"betas" becomes "betas.html" for a chart; a folder in the name, or another extension, is an error.</summary>
    private static string FileName(string name, string fileExtension, string kind)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("A figure needs a name, e.g. \"betas\".", nameof(name));
        if (name.IndexOfAny(['/', '\\']) >= 0 || name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new ArgumentException($"Figure name '{name}' must be a plain file name: it cannot name a folder.", nameof(name));
        string extension = Path.GetExtension(name);
        if (extension.Length == 0)
            return name + fileExtension;
        if (extension.Equals(fileExtension, StringComparison.OrdinalIgnoreCase))
            return name;
        throw new ArgumentException(
            $"Figure name '{name}' ends in '{extension}', but a {kind} is saved as '{fileExtension}': " +
            $"give the name without an extension, e.g. '{Path.GetFileNameWithoutExtension(name)}'.", nameof(name));
    }
}
