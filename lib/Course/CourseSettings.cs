namespace Diffusion.Course;

/// <summary>
/// How this run of the course is set up, read once from the environment at the top of each notebook.
/// Quick mode (DIFFUSION_QUICK=1) shrinks data, models and step counts so that every notebook runs in
/// seconds to a few minutes; without it the notebooks run the real experiment.
/// </summary>
/// <param name="Quick">True when DIFFUSION_QUICK is 1/true: small data, small models, few steps.</param>
/// <param name="RepositoryRoot">The checkout (the folder holding Diffusion.Lib.csproj).</param>
/// <param name="DataFolder">Where downloaded datasets go: &lt;repo&gt;/data.</param>
/// <param name="OutputFolder">Where figures and checkpoints go: DIFFUSION_OUTPUT, else &lt;repo&gt;/out (git-ignored).</param>
public sealed record CourseSettings(bool Quick, string RepositoryRoot, string DataFolder, string OutputFolder)
{
    public const string QuickVariable = "DIFFUSION_QUICK";
    public const string OutputVariable = "DIFFUSION_OUTPUT";

    public static CourseSettings FromEnvironment()
    {
        string root = FindRepositoryRoot(Directory.GetCurrentDirectory());
        string? output = Environment.GetEnvironmentVariable(OutputVariable);
        return new CourseSettings(
            Quick: ParseQuick(Environment.GetEnvironmentVariable(QuickVariable)),
            RepositoryRoot: root,
            DataFolder: Path.Combine(root, "data"),
            OutputFolder: string.IsNullOrWhiteSpace(output) ? Path.Combine(root, "out") : Path.GetFullPath(output));
    }

    /// <summary>The full-size value normally, the small one in quick mode: <c>course.Choose(full: 60_000, quick: 2_000)</c>.</summary>
    public T Choose<T>(T full, T quick) => Quick ? quick : full;

    /// <summary>
    /// The figures of one lesson, saved under &lt;output&gt;/figures/&lt;lesson&gt;/:
    /// <c>var figures = course.Figures("01_noise_schedules");</c>, then <c>figures.Show(chart, "betas")</c>.
    /// </summary>
    /// <param name="lesson">The notebook's file name without extension.</param>
    public LessonFigures Figures(string lesson)
    {
        if (string.IsNullOrWhiteSpace(lesson) || lesson.IndexOfAny(['/', '\\']) >= 0 || lesson is "." or "..")
            throw new ArgumentException($"Lesson '{lesson}' must be a notebook's name, e.g. \"01_noise_schedules\".", nameof(lesson));
        return new LessonFigures(Path.Combine(OutputFolder, "figures", lesson));
    }

    /// <summary>Reads the value of DIFFUSION_QUICK: unset, empty, 0/false/no are off; 1/true/yes are on; anything else is an error.</summary>
    public static bool ParseQuick(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "0" or "false" or "no" => false,
        "1" or "true" or "yes" => true,
        _ => throw new ArgumentException($"{QuickVariable} must be 1 or 0 (true/false), not '{value}'."),
    };

    /// <summary>Walks up from <paramref name="start"/> to the folder holding Diffusion.Lib.csproj (notebooks run from notebooks/).</summary>
    private static string FindRepositoryRoot(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Diffusion.Lib.csproj")))
                return dir.FullName;
        return start;
    }
}
