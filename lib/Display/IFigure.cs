namespace Diffusion.Display;

/// <summary>
/// A figure a lesson keeps as a file as well as showing it: an image grid (.png), an animation (.gif). (Charts are
/// Plotly.NET charts, which <see cref="Course.LessonFigures"/> saves as pages.)
/// </summary>
public interface IFigure
{
    /// <summary>The extension of the file <see cref="Save"/> writes, with its dot: ".html", ".png", ".gif".</summary>
    string FileExtension { get; }

    /// <summary>Writes the figure to <paramref name="path"/>, which should end in <see cref="FileExtension"/>.</summary>
    void Save(string path);
}
