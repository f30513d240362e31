using System.Globalization;
using System.Reflection;
using Diffusion.Ddpm;

namespace Diffusion.Sampling;

/// <summary>
/// A sampler and its settings as one value, written the same way on the command line and in a notebook:
/// <c>ddpm</c>, <c>ddim:50</c>, <c>ddim:50:eta=1</c>, <c>dpm:20</c>, <c>dpm:20:spacing=even</c>, and for a rectified-flow
/// model <c>euler:20</c>, <c>heun:10</c> (10 times, 19 evaluations). <see cref="Parse"/> reads
/// one, <see cref="Create"/> builds the sampler for a model's process, <see cref="Name"/> labels tables and legends. Samplers
/// made from a spec clip their predicted x_0 to the data range [-1, 1] unless <see cref="ClipX0"/> is false.
/// </summary>
/// <param name="Steps">Network evaluations (for Heun the distinct times, 2 Steps - 1 evaluations); null for DDPM, which always takes all T.</param>
/// <param name="Eta">DDIM's eta: 0 deterministic, 1 as noisy as DDPM. Other samplers reject a non-zero eta.</param>
/// <param name="Spacing">Which timesteps a few-step sampler visits; null for the sampler's default.</param>
public sealed record SamplerSpec(SamplerKind Kind, int? Steps = null, double Eta = 0.0, Spacing? Spacing = null, bool ClipX0 = true)
{
    /// <summary>Reads "name[:steps][:key=value]..." with keys eta and spacing, e.g. "ddim:50:eta=1".</summary>
    /// <exception cref="FormatException">The text is not such a spec; the message shows the expected form.</exception>
    public static SamplerSpec Parse(string text)
    {
        string[] parts = text.Trim().Split(':');
        string known = string.Join(", ", Enum.GetValues<SamplerKind>().Select(k => Tag(k).SpecName));
        var kind = Enum.GetValues<SamplerKind>().Cast<SamplerKind?>().FirstOrDefault(k => Tag(k!.Value).SpecName == parts[0].ToLowerInvariant())
            ?? throw new FormatException($"Unknown sampler '{parts[0]}' in '{text}' (known: {known}; e.g. ddim:50:eta=1).");
        var spec = new SamplerSpec(kind);
        foreach (string part in parts.Skip(1))
        {
            string[] pair = part.Split('=', 2);
            spec = pair switch
            {
                [var steps] when int.TryParse(steps, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && spec.Steps is null => spec with { Steps = n },
                ["eta", var eta] when double.TryParse(eta, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) => spec with { Eta = value },
                ["spacing", var spacing] when Enum.TryParse(spacing, ignoreCase: true, out Spacing value) && Enum.IsDefined(value) => spec with { Spacing = value },
                _ => throw new FormatException($"'{part}' in '{text}' is not a step count or one of eta=NUMBER, " +
                    $"spacing={string.Join("|", Enum.GetNames<Spacing>()).ToLowerInvariant()} (e.g. ddim:50:eta=1)."),
            };
        }
        return spec;
    }

    /// <summary>A comma-separated list of specs ("ddpm,ddim:50,dpm:20"); "none" or an empty text is the empty list.</summary>
    public static IReadOnlyList<SamplerSpec> ParseList(string text) =>
        text.Trim() is "" or "none" ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Parse).ToList();

    /// <summary>For tables and legends: "DDPM", "DDIM", "DDIM eta=1", "DPM-Solver++(2M)", "DPM-Solver++(2M) even".</summary>
    public string Name => Tag(Kind).DisplayName
        + (Eta != 0 ? string.Create(CultureInfo.InvariantCulture, $" eta={Eta:0.##}") : "")
        + (Spacing is { } spacing ? $" {spacing.ToString().ToLowerInvariant()}" : "");

    /// <summary>The spec in the form <see cref="Parse"/> reads back.</summary>
    public string Text => Tag(Kind).SpecName
        + (Steps is int steps ? $":{steps}" : "")
        + (Eta != 0 ? string.Create(CultureInfo.InvariantCulture, $":eta={Eta:R}") : "")
        + (Spacing is { } spacing ? $":spacing={spacing.ToString().ToLowerInvariant()}" : "");

    public override string ToString() => Steps is int steps ? $"{Name}, {steps} steps" : $"{Name}, all steps";

    /// <summary>The sampler this spec describes, for the model trained on <paramref name="process"/>.</summary>
    /// <exception cref="ArgumentException">The sampler does not take one of the settings (e.g. DDPM with 50 steps).</exception>
    public Sampler Create(DiffusionProcess process)
    {
        try
        {
            return (Sampler)Activator.CreateInstance(Tag(Kind).SamplerType, process, this)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);   // the constructor's own message
            throw;
        }
    }

    private static SamplerAttribute Tag(SamplerKind kind) =>
        typeof(SamplerKind).GetField(kind.ToString())?.GetCustomAttribute<SamplerAttribute>()
        ?? throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown sampler, or a SamplerKind value without its [Sampler] tag.");
}
