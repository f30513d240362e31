using System.Text.Json.Nodes;

namespace CourseRunner;

/// <summary>The error outputs that an executed .ipynb recorded, one line each: "cell 4: Error: message".</summary>
public static class NotebookErrors
{
    public static IReadOnlyList<string> Read(string executedNotebook)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(executedNotebook))!;
        var errors = new List<string>();
        var cells = notebook["cells"]!.AsArray();
        for (int i = 0; i < cells.Count; i++)
            foreach (var output in cells[i]!["outputs"]?.AsArray() ?? [])
                if ((string?)output!["output_type"] == "error")
                {
                    string message = ((string?)output["evalue"] ?? "").Split('\n')[0];
                    errors.Add($"cell {i + 1}: {output["ename"]}: {message}");
                }
        return errors;
    }
}
