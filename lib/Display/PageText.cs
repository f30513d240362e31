namespace Diffusion.Display;

/// <summary>
/// Plain text for a cell's output, broken into lines that fit a printed page or a narrow pane: a summary line returned
/// by a check cell is wrapped at spaces, never inside a word or a number (a page cuts "2.8e-6" into "2.8e-" and "6"),
/// nor between a number and a " %" after it.
/// <code>
/// PageText.Wrap($"alpha-bar_T = {abarT:0.0000e+0} (by logs: {byLogs:0.0000e+0}); ...")
/// </code>
/// </summary>
public static class PageText
{
    /// <summary>The course's line width for code and printed text, in characters.</summary>
    public const int Width = 100;

    /// <summary>
    /// The text with every line longer than <paramref name="width"/> broken at its last space that fits; a word longer
    /// than the width stays whole on a line of its own. Existing line breaks are kept, and so is each line's
    /// indentation, which its continuation lines repeat.
    /// </summary>
    public static string Wrap(string text, int width = Width)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (width < 1)
            throw new ArgumentOutOfRangeException(nameof(width), width, "The width must be at least 1.");
        return string.Join("\n", text.Split('\n').SelectMany(line => WrapLine(line, width)));
    }

    private static IEnumerable<string> WrapLine(string line, int width)
    {
        string indent = line[..(line.Length - line.TrimStart(' ').Length)];
        string rest = line;
        while (rest.Length > width)
        {
            int cut = rest.LastIndexOf(' ', width);                        // the last space at or before the width
            while (cut > 0 && cut + 1 < rest.Length && rest[cut + 1] == '%')
                cut = rest.LastIndexOf(' ', cut - 1);                      // "91.31 %": the unit stays with its number
            while (cut > 0 && rest[cut - 1] == ' ')
                cut--;                                                     // a run of spaces goes with the break
            if (cut <= indent.Length)
            {
                cut = rest.IndexOf(' ', width);                            // a long word: break after it instead
                if (cut < 0)
                    break;
            }
            yield return rest[..cut];
            rest = indent + rest[cut..].TrimStart(' ');
        }
        yield return rest;
    }
}
