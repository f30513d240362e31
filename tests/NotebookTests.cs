using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Diffusion.Tests;

/// <summary>
/// The notebooks are source files too: standard .ipynb with the .NET C# kernel, committed without outputs, each
/// starting with the same preamble (notebooks/preamble.csx), whose package versions match the library's.
/// Whether they run is checked by run-tests.sh, which executes every one of them in quick mode.
/// </summary>
public class NotebookTests
{
    private static IEnumerable<string> LessonFiles() =>
        Directory.GetFiles(RepoPaths.Notebooks, "*.ipynb").Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal);

    public static TheoryData<string> Lessons() => new(LessonFiles());

    private static JsonNode Load(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Notebooks, name)))!;

    private static string Source(JsonNode cell) => string.Concat(cell["source"]!.AsArray().Select(line => (string)line!));

    [Fact]
    public void Lessons_are_numbered_from_00_without_gaps()
    {
        var numbers = LessonFiles().Select(name => int.Parse(name[..2])).ToList();
        Assert.Equal(Enumerable.Range(0, numbers.Count), numbers);
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public void Notebook_is_a_clean_csharp_ipynb(string name)
    {
        var notebook = Load(name);
        Assert.Equal(4, (int)notebook["nbformat"]!);
        Assert.True((int)notebook["nbformat_minor"]! >= 5, "nbformat 4.5 or later: cells carry ids");
        var ids = notebook["cells"]!.AsArray().Select(c => (string?)c!["id"]).ToList();
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9_-]{1,64}$", id ?? ""));              // Jupyter's rule for cell ids
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(".net-csharp", (string?)notebook["metadata"]!["kernelspec"]!["name"]);
        var cells = notebook["cells"]!.AsArray();
        Assert.Equal("markdown", (string?)cells[0]!["cell_type"]);
        Assert.StartsWith("# Lesson " + name[..2], Source(cells[0]!));
        foreach (var code in cells.Where(c => (string?)c!["cell_type"] == "code"))
        {
            Assert.Equal("csharp", (string?)code!["metadata"]!["polyglot_notebook"]!["kernelName"]);
            Assert.Empty(code["outputs"]!.AsArray());          // outputs belong in out/, not in git
        }
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public void Notebook_starts_with_the_course_preamble(string name)
    {
        string preamble = File.ReadAllText(Path.Combine(RepoPaths.Notebooks, "preamble.csx")).TrimEnd('\n');
        var firstCode = Load(name)["cells"]!.AsArray().First(c => (string?)c!["cell_type"] == "code")!;
        Assert.Equal(preamble, Source(firstCode));
    }

    /// <summary>
    /// Code lines longer than 100 characters are cut off on a printed or exported page and in a narrow editor pane.
    /// The preamble (the first code cell) counts too: it is the first thing every lesson shows.
    /// </summary>
    [Theory]
    [MemberData(nameof(Lessons))]
    public void Code_lines_fit_the_page(string name)
    {
        const int limit = 100;
        var codeCells = Load(name)["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code");
        var tooLong = codeCells
            .SelectMany(cell => Source(cell!).Split('\n'))
            .Where(line => line.Length > limit)
            .Select(line => $"{line.Length}: {line}")
            .ToList();
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} code lines over {limit} characters in {name}:\n" + string.Join("\n", tooLong.Take(5)));
    }

    /// <summary>
    /// The notebooks load the library's packages at the library's versions, plus the kernel extension that displays its
    /// charts, at the version of Plotly.NET it was built with.
    /// </summary>
    [Fact]
    public void Preamble_package_versions_match_the_library_project()
    {
        string preamble = File.ReadAllText(Path.Combine(RepoPaths.Notebooks, "preamble.csx"));
        var inNotebooks = Regex.Matches(preamble, "#r \"nuget: ([^,]+), ([^\"]+)\"")
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var inProject = XDocument.Load(RepoPaths.LibraryProject).Descendants("PackageReference")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        inProject.Add("Plotly.NET.Interactive", inProject["Plotly.NET"]);
        Assert.Equal(inProject.OrderBy(p => p.Key), inNotebooks.OrderBy(p => p.Key));
    }
}
