using System.Diagnostics;
using CourseRunner;

// Usage: CourseRunner <repo-root> [--only NAME_PREFIX] [--timeout-minutes N]
// Runs notebooks/NN_*.ipynb in order with dotnet-repl, writes executed copies and logs to $DIFFUSION_OUTPUT/notebooks
// (tidied: SavedNotebook.cs), prints one line per lesson with its wall time and one per long cell (CellProgress.cs), and
// exits 1 if any cell of any notebook failed
// or an executed notebook is larger than 1 MB (quick mode) or 3 MB (full mode).

if (args.Length == 0)
{
    Console.Error.WriteLine("usage: CourseRunner <repo-root> [--only NAME_PREFIX] [--timeout-minutes N]");
    return 2;
}
string root = Path.GetFullPath(args[0]);
string? only = OptionValue("--only");
var timeout = TimeSpan.FromMinutes(double.Parse(OptionValue("--timeout-minutes") ?? "120"));
string output = Path.Combine(Environment.GetEnvironmentVariable("DIFFUSION_OUTPUT") ?? Path.Combine(root, "out"), "notebooks");
Directory.CreateDirectory(output);

var notebooks = Directory.GetFiles(Path.Combine(root, "notebooks"), "*.ipynb")
    .Where(p => char.IsDigit(Path.GetFileName(p)[0]))
    .Where(p => only is null || Path.GetFileName(p).StartsWith(only, StringComparison.Ordinal))
    .Order(StringComparer.Ordinal)
    .ToList();
if (notebooks.Count == 0)
{
    Console.Error.WriteLine($"error: no notebooks matched in {Path.Combine(root, "notebooks")}");
    return 2;
}

bool quick = Environment.GetEnvironmentVariable("DIFFUSION_QUICK") is "1" or "true";
long sizeLimit = quick ? 1_000_000 : 3_000_000;                    // an executed lesson stays small enough to open and to diff
Console.WriteLine($"Running {notebooks.Count} notebook(s), {(quick ? "quick mode" : "full mode")}; executed copies go to {output}");
int failed = 0;
var total = Stopwatch.StartNew();
foreach (var (notebook, index) in notebooks.Select((n, i) => (n, i + 1)))
{
    string name = Path.GetFileNameWithoutExtension(notebook);
    string executed = Path.Combine(output, name + ".ipynb");
    string log = Path.Combine(output, name + ".log");
    File.Delete(executed);
    Console.WriteLine($"[{index}/{notebooks.Count}] {name} ...");
    var clock = Stopwatch.StartNew();
    int exitCode = Run(notebook, executed, log, Path.Combine(root, "notebooks"), timeout);
    clock.Stop();

    var errors = File.Exists(executed) ? NotebookErrors.Read(executed).ToList() : [$"no executed notebook was written (exit code {exitCode}); see {log}"];
    if (File.Exists(executed))
    {
        long bytes = SavedNotebook.Tidy(executed);
        if (bytes > sizeLimit)
            errors.Add($"the executed notebook is {bytes / 1e6:F1} MB, over the {sizeLimit / 1e6:F0} MB limit of {(quick ? "quick" : "full")} mode (bin large data before plotting it)");
    }
    if (exitCode == 0 && errors.Count == 0)
    {
        Console.WriteLine($"    ok ({clock.Elapsed.TotalSeconds:F0} s)");
        continue;
    }
    failed++;
    Console.WriteLine($"    FAILED ({clock.Elapsed.TotalSeconds:F0} s, exit code {exitCode})");
    foreach (var error in errors.DefaultIfEmpty($"dotnet-repl failed; see {log}"))
        Console.WriteLine($"    {error}");
}
Console.WriteLine($"notebooks: {notebooks.Count - failed} passed, {failed} failed ({total.Elapsed.TotalMinutes:F1} min)");
return failed == 0 ? 0 : 1;

string? OptionValue(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static int Run(string notebook, string executed, string log, string workingDirectory, TimeSpan timeout)
{
    var start = new ProcessStartInfo("dotnet")
    {
        WorkingDirectory = workingDirectory,
        RedirectStandardOutput = true,
        RedirectStandardError = true,
    };
    string replLog = executed + ".repl-log";                                         // dotnet-repl's own log: which cell runs
    if (Directory.Exists(replLog))
        Directory.Delete(replLog, recursive: true);
    foreach (var arg in new[] { "tool", "run", "dotnet-repl", "--", "--run", notebook, "--exit-after-run",
                 "--output-path", executed, "--output-format", "ipynb", "--working-dir", workingDirectory, "--log-path", replLog })
        start.ArgumentList.Add(arg);
    var cells = new CellProgress(replLog, longCell: TimeSpan.FromSeconds(30));
    using var logFile = new StreamWriter(log);
    using var process = new Process { StartInfo = start };
    DataReceivedEventHandler write = (_, line) => { if (line.Data is not null) lock (logFile) logFile.WriteLine(line.Data); };
    process.OutputDataReceived += write;
    process.ErrorDataReceived += write;
    process.Start();
    process.BeginOutputReadLine();
    process.BeginErrorReadLine();
    var clock = Stopwatch.StartNew();
    while (!process.WaitForExit(TimeSpan.FromSeconds(2)))
    {
        cells.Poll();
        if (clock.Elapsed > timeout)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            lock (logFile) logFile.WriteLine($"killed after {timeout.TotalMinutes} minutes");
            Directory.Delete(replLog, recursive: true);
            return 124;
        }
    }
    process.WaitForExit();          // drains the redirected streams
    cells.Poll();
    cells.Finish();
    Directory.Delete(replLog, recursive: true);
    return process.ExitCode;
}
