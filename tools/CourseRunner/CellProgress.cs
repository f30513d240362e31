using System.Diagnostics;
using System.Text.RegularExpressions;

namespace CourseRunner;

/// <summary>
/// Progress inside one notebook, read from dotnet-repl's own log (<c>--log-path</c>): every cell it starts is logged as
/// "[KernelInvocationContext] ... SubmitCode &lt;first words&gt; ...". A cell that runs long gets a line when it has run
/// a minute (and every further minute) and one when it ends, so a full-mode run never sits silent for long:
///
///       cell 12 "var trainer = new Trainer(..." still running (2 min)
///       cell 12 "var trainer = new Trainer(..." took 12.4 min
/// </summary>
public sealed partial class CellProgress(string logFolder, TimeSpan longCell)
{
    private readonly Stopwatch _cellClock = new();
    private long _readOffset;
    private int _cell;
    private string _snippet = "";
    private TimeSpan _lastReport;

    [GeneratedRegex(@"\[KernelInvocationContext\] \[KernelInvocationContext\]\s+▶\s+\+\[ ⁞Ϲ⁞ SubmitCode (?<snippet>.*?) \.\.\. \(Token")]
    private static partial Regex CellStart();

    /// <summary>Reads what the log gained since the last call and prints the lines due; call every few seconds.</summary>
    public void Poll()
    {
        foreach (string line in NewLines())
        {
            var match = CellStart().Match(line);
            if (!match.Success)
                continue;
            Finish();
            _cell++;
            _snippet = match.Groups["snippet"].Value.Trim();
            _cellClock.Restart();
            _lastReport = TimeSpan.Zero;
        }
        if (_cellClock.IsRunning && _cellClock.Elapsed - _lastReport >= TimeSpan.FromMinutes(1) && _cellClock.Elapsed >= longCell)
        {
            _lastReport = _cellClock.Elapsed;
            Console.WriteLine($"      cell {_cell} \"{_snippet}...\" still running ({_cellClock.Elapsed.TotalMinutes:F0} min)");
        }
    }

    /// <summary>Prints the running cell's time if it was long; call once more when the notebook has finished.</summary>
    public void Finish()
    {
        if (_cellClock.IsRunning && _cellClock.Elapsed >= longCell)
            Console.WriteLine($"      cell {_cell} \"{_snippet}...\" took {Describe(_cellClock.Elapsed)}");
        _cellClock.Reset();
    }

    private static string Describe(TimeSpan time) => time.TotalMinutes >= 1 ? $"{time.TotalMinutes:F1} min" : $"{time.TotalSeconds:F0} s";

    private IEnumerable<string> NewLines()
    {
        string? log = Directory.Exists(logFolder) ? Directory.GetFiles(logFolder, "*.log").Order().LastOrDefault() : null;
        if (log is null)
            return [];
        using var stream = new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (stream.Length <= _readOffset)
            return [];
        stream.Seek(_readOffset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        string text = reader.ReadToEnd();
        int complete = text.LastIndexOf('\n') + 1;                                       // a half-written last line waits
        _readOffset += System.Text.Encoding.UTF8.GetByteCount(text.AsSpan(0, complete));
        return text[..complete].Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
