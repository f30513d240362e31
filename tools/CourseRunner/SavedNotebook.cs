using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CourseRunner;

/// <summary>
/// Tidies an executed notebook so that the saved copy shows what a learner sees in Jupyter or VS Code:
///   1. the preamble cell's outputs ("Installing Packages", "Loading extensions from ...") are dropped;
///   2. a view updated in place (its HTML carries data-live-view="id": the training monitor, a status line) keeps only
///      its last state, where it first appeared; dotnet-repl records every update as a new output;
///   3. every cell gets an id (nbformat 4.5), so Jupyter tooling does not warn;
///   4. code cells are numbered in the order they ran (In [1], In [2], ...), up to the first that failed, as Jupyter
///      numbers them; dotnet-repl leaves every count empty, which reads as "never run".
/// </summary>
public static partial class SavedNotebook
{
    /// <summary>Rewrites <paramref name="path"/> in place; returns its size in bytes afterwards.</summary>
    public static long Tidy(string path)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        var cells = notebook["cells"]!.AsArray();
        int ran = 0;
        bool failed = false;
        for (int i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!.AsObject();
            cell["id"] ??= $"cell-{i:D3}";
            if (cell["outputs"] is not JsonArray outputs)
                continue;
            if (Source(cell).StartsWith("// Course preamble", StringComparison.Ordinal))
                outputs.Clear();                                                                // 1.
            else
                KeepLastStateOfLiveViews(outputs);                                               // 2.
            if (failed)
                continue;
            cell["execution_count"] = ++ran;                                                     // 4.
            foreach (var output in outputs)
            {
                if ((string?)output?["output_type"] == "execute_result")
                    output["execution_count"] = ran;
                failed |= (string?)output?["output_type"] == "error";
            }
        }
        notebook["nbformat"] = 4;
        notebook["nbformat_minor"] = 5;
        string text = notebook.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, text);
        return new FileInfo(path).Length;
    }

    private static void KeepLastStateOfLiveViews(JsonArray outputs)
    {
        var last = new Dictionary<string, JsonNode>();
        foreach (var output in outputs)
            if (LiveId(output) is string id)
                last[id] = output!;
        var kept = new List<JsonNode>();
        var placed = new HashSet<string>();
        foreach (var output in outputs.ToList())
        {
            string? id = LiveId(output);
            if (id is null)
                kept.Add(output!);
            else if (placed.Add(id))
                kept.Add(last[id]);                                                            // the final state, at the first place
        }
        outputs.Clear();
        foreach (var output in kept)
            outputs.Add(output.DeepClone());
    }

    private static string? LiveId(JsonNode? output)
    {
        var html = output?["data"]?["text/html"];
        string text = html is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)html ?? "";
        var match = LiveViewAttribute().Match(text);
        return match.Success ? match.Groups[1].Value : null;
    }

    private static string Source(JsonObject cell) =>
        cell["source"] is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)cell["source"] ?? "";

    [GeneratedRegex("data-live-view=\"([^\"]+)\"")]
    private static partial Regex LiveViewAttribute();
}
