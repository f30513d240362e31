namespace Diffusion.Evaluation;

/// <summary>
/// One sampler (or the floor), at one guidance scale, over the draws of a run: the median of its Frechet distances and their range, and the
/// same for the class measures of a conditional model. One draw of 1,000 images is not one number (the shipped model's
/// DPM-Solver++ 20 drew 19.7 to 29.8), so targets are judged on the median of several draws.
/// </summary>
public sealed record EvaluationSummary(string Sampler, string Spec, int Steps, int Draws,
    double MedianDistance, double LowestDistance, double HighestDistance,
    double? MedianClassAccuracy, double? MedianWithinClassSpread, double MedianSecondsPerImage, double? Guidance = null)
{
    public bool IsFloor => Sampler == EvaluationRow.FloorName;

    /// <summary>Summarises the rows of one sampler (all with its name, spec and guidance scale).</summary>
    public static EvaluationSummary Of(IReadOnlyList<EvaluationRow> draws)
    {
        if (draws.Count == 0)
            throw new ArgumentException("No rows to summarise.", nameof(draws));
        var first = draws[0];
        if (draws.Any(r => r.Sampler != first.Sampler || r.Spec != first.Spec || r.Guidance != first.Guidance))
            throw new ArgumentException("The rows must all be of one sampler, spec and guidance scale.", nameof(draws));
        var distances = draws.Select(r => r.FrechetDistance).ToList();
        return new EvaluationSummary(first.Sampler, first.Spec, first.Steps, draws.Count,
            Median(distances), distances.Min(), distances.Max(),
            MedianOrNull(draws.Select(r => r.ClassAccuracy)), MedianOrNull(draws.Select(r => r.WithinClassSpread)),
            Median(draws.Select(r => r.SecondsPerImage).ToList()), first.Guidance);
    }

    /// <summary>The middle value; for an even count the mean of the two middle ones.</summary>
    public static double Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
            throw new ArgumentException("The median of nothing is undefined.", nameof(values));
        var sorted = values.Order().ToList();
        int middle = sorted.Count / 2;
        return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : Median(present);
    }
}
