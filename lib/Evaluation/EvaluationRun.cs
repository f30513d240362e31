using System.Globalization;

namespace Diffusion.Evaluation;

/// <summary>
/// One line of a sampler evaluation: how far a sampler's images are from the test set (Frechet distance in the
/// classifier's features), what one image cost, and for a class-conditional model how often the class asked for came
/// out and how varied each class is relative to real images. The floor row (<see cref="FloorName"/>, 0 steps) holds the
/// same measures for real training images.
/// </summary>
/// <param name="Sampler">Display name (<c>SamplerSpec.Name</c>), e.g. "DDIM eta=1", or <see cref="FloorName"/>.</param>
/// <param name="Spec">The spec as <c>SamplerSpec.Parse</c> reads it, e.g. "ddim:50:eta=1"; empty for the floor.</param>
/// <param name="ClassAccuracy">Share classified as the class asked for (mean over classes); null for an unconditional model.</param>
/// <param name="WithinClassSpread">Within-class spread relative to real images; null for an unconditional model.</param>
/// <param name="Draw">Which of the run's independent draws (1, 2, ...) the row measured; files without the column have 1.</param>
/// <param name="Guidance">The classifier-free guidance scale a conditional model sampled with; null for the floor and for
/// unconditional models (and in files from before the column).</param>
public sealed record EvaluationRow(string Sampler, string Spec, int Steps, double FrechetDistance, double? ClassAccuracy,
    double? WithinClassSpread, double SecondsPerImage, int Images, int Draw = 1, double? Guidance = null)
{
    public const string FloorName = "real training images (floor)";

    public bool IsFloor => Sampler == FloorName;

    /// <summary>The row as one line of <see cref="EvaluationRun.Header"/>'s columns.</summary>
    public string ToCsv() => string.Create(CultureInfo.InvariantCulture,
        $"{Sampler},{Spec},{Steps},{FrechetDistance:F3},{ClassAccuracy:F4},{WithinClassSpread:F3},{SecondsPerImage:F4},{Images},{Draw},{Guidance:G4}");
}

/// <summary>
/// One run of <c>diffusion evaluate</c> as stored on disk: '#' lines saying how the run was made (command, model,
/// classifier, reference set), then a CSV table of <see cref="EvaluationRow"/>s under <see cref="Header"/>. Distances
/// compare only within one run: same reference images, same floor. A run with several draws (<c>--repeats K</c>) has K
/// rows per sampler and K floor rows, one per draw; <see cref="Summaries"/> gives each one's median and range.
/// <see cref="Read"/> also reads files written before the class columns or the draw column existed (null class
/// measures; draw 1).
/// </summary>
public sealed record EvaluationRun(IReadOnlyList<string> Notes, IReadOnlyList<EvaluationRow> Rows)
{
    public const string Header = "sampler,spec,steps,frechet_distance,class_accuracy,within_class_spread,seconds_per_image,images,draw,guidance";

    /// <summary>
    /// Real training images against the test set, at the run's sample size: the best any model can score. With several
    /// draws, the first draw's floor (<see cref="Summaries"/> has them all).
    /// </summary>
    public EvaluationRow Floor => Rows.FirstOrDefault(r => r.IsFloor)
        ?? throw new InvalidDataException("This evaluation has no floor row.");

    /// <summary>How many independent draws the run made (1 unless it was run with --repeats).</summary>
    public int Draws => Rows.Count == 0 ? 0 : Rows.Max(r => r.Draw);

    /// <summary>The floor first, then each sampler (at each guidance scale) in the order measured: the median and range of its draws.</summary>
    public IReadOnlyList<EvaluationSummary> Summaries => Rows
        .GroupBy(r => (r.Sampler, r.Spec, r.Guidance))
        .Select(g => EvaluationSummary.Of(g.ToList()))
        .ToList();

    /// <summary>The samplers' rows, in the order they were measured.</summary>
    public IReadOnlyList<EvaluationRow> Samplers => Rows.Where(r => !r.IsFloor).ToList();

    private const string ModelPrefix = "model:", ClassifierPrefix = "classifier:";

    /// <summary>The note that names the evaluated model: its path, then its description (<c>TrainedModel.Description</c>).</summary>
    public static string ModelNote(string path, string description) => $"{ModelPrefix} {path}: {description}";

    /// <summary>The note that names the judge: the classifier's path, then its description.</summary>
    public static string ClassifierNote(string path, string description) => $"{ClassifierPrefix} {path}: {description}";

    /// <summary>Whether this run evaluated the model with this description, as its <see cref="ModelNote"/> records.</summary>
    public bool IsOf(string modelDescription) => Notes.Any(n => n.StartsWith(ModelPrefix) && n.EndsWith(modelDescription));

    /// <summary>The notes on how the run was made (command, timing, reference), without the model's and the classifier's
    /// descriptions, which a reader that has loaded both already shows.</summary>
    public IReadOnlyList<string> RunNotes => Notes.Where(n => !n.StartsWith(ModelPrefix) && !n.StartsWith(ClassifierPrefix)).ToList();

    /// <summary>
    /// This run with the samplers of another run of the same model added, e.g. DDPM's 1,000 steps per image measured in a
    /// run of their own. The two compare only because they share their floors: draw k of every run with the same
    /// --samples measures training images (k-1)N .. kN-1 against the same test set, so each floor of
    /// <paramref name="other"/> must equal this run's floor of the same draw. The notes of both runs are kept, this one's
    /// first.
    /// </summary>
    /// <exception cref="ArgumentException">The runs evaluated other models, or a draw's floors differ.</exception>
    public EvaluationRun Joined(EvaluationRun other)
    {
        string ModelOf(EvaluationRun run) => run.Notes.FirstOrDefault(n => n.StartsWith(ModelPrefix))
            ?? throw new ArgumentException("A run without its model note cannot be joined to another.", nameof(other));
        if (ModelOf(this) != ModelOf(other))
            throw new ArgumentException($"The runs evaluated other models: '{ModelOf(this)}' and '{ModelOf(other)}'.", nameof(other));
        foreach (var floor in other.Rows.Where(r => r.IsFloor))
        {
            var mine = Rows.FirstOrDefault(r => r.IsFloor && r.Draw == floor.Draw)
                ?? throw new ArgumentException($"The other run has a draw {floor.Draw}, this one not.", nameof(other));
            if (mine.Images != floor.Images || Math.Abs(mine.FrechetDistance - floor.FrechetDistance) > 1e-3)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"Draw {floor.Draw}'s floor is " +
                    $"{floor.FrechetDistance:F3} ({floor.Images} images) in the other run and {mine.FrechetDistance:F3} " +
                    $"({mine.Images} images) here: their distances do not compare."), nameof(other));
        }
        return new EvaluationRun([.. Notes, .. other.Notes], [.. Rows, .. other.Samplers]);
    }

    /// <exception cref="InvalidDataException">A line does not fit the header, or a required column is missing.</exception>
    public static EvaluationRun Read(string path)
    {
        var lines = File.ReadAllLines(path);
        var notes = lines.Where(l => l.StartsWith('#')).Select(l => l.TrimStart('#').Trim()).ToList();
        var table = lines.Where(l => !l.StartsWith('#') && l.Trim() != "").ToList();
        if (table.Count == 0)
            throw new InvalidDataException($"{path}: no table under the '#' lines.");
        var columns = table[0].Split(',').Select((name, index) => (name, index)).ToDictionary(c => c.name, c => c.index);
        string[] required = ["sampler", "spec", "steps", "frechet_distance", "seconds_per_image", "images"];
        if (required.FirstOrDefault(c => !columns.ContainsKey(c)) is { } missing)
            throw new InvalidDataException($"{path}: no column '{missing}' in the header '{table[0]}'.");
        var rows = table.Skip(1).Select((line, i) =>
        {
            string[] cells = line.Split(',');
            if (cells.Length != columns.Count)
                throw new InvalidDataException($"{path}, table line {i + 2}: {cells.Length} cells under {columns.Count} columns.");
            string Cell(string column) => cells[columns[column]];
            double? Optional(string column) => columns.TryGetValue(column, out int c) && cells[c] != "" ? Number(cells[c]) : null;
            return new EvaluationRow(Cell("sampler"), Cell("spec"), (int)Number(Cell("steps")), Number(Cell("frechet_distance")),
                Optional("class_accuracy"), Optional("within_class_spread"), Number(Cell("seconds_per_image")), (int)Number(Cell("images")),
                (int)(Optional("draw") ?? 1), Optional("guidance"));
        }).ToList();
        return new EvaluationRun(notes, rows);
    }

    private static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
}
