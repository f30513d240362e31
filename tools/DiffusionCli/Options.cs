namespace DiffusionCli;

/// <summary>"--name value" pairs and "--flag" switches, with clear errors for unknown or malformed ones.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _used = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal))
                throw new ArgumentException($"Unexpected argument '{list[i]}' (options look like --name value).");
            bool hasValue = i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal);
            _values[list[i][2..]] = hasValue ? list[++i] : null;
        }
    }

    /// <summary>Whether the option was given at all (with or without a value); does not mark it as read.</summary>
    public bool Has(string name) => _values.ContainsKey(name);

    public bool Flag(string name)
    {
        _used.Add(name);
        return _values.ContainsKey(name);
    }

    public string String(string name, string fallback)
    {
        _used.Add(name);
        return _values.TryGetValue(name, out var v) ? v ?? throw new ArgumentException($"--{name} needs a value.") : fallback;
    }

    public long Long(string name, long fallback) => Parse(name, fallback, long.Parse);
    public double Double(string name, double fallback) => Parse(name, fallback, s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A comma-separated list of numbers, e.g. --guidance 0,1,3.</summary>
    public List<double> DoubleList(string name, string fallback) =>
        String(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture,
                out double value) ? value : throw new ArgumentException($"--{name} expects numbers separated by commas, got '{text}'."))
            .ToList();

    /// <summary>Call after reading every option: rejects any that the command does not know.</summary>
    public void RejectUnknown()
    {
        var unknown = _values.Keys.Where(k => !_used.Contains(k)).ToList();
        if (unknown.Count > 0)
            throw new ArgumentException($"Unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}.");
    }

    public TEnum Enum<TEnum>(string name, TEnum fallback) where TEnum : struct, System.Enum
    {
        string text = String(name, "");
        return text == "" ? fallback : ParseEnum<TEnum>(name, text);
    }

    /// <summary>A comma-separated list of enum values, e.g. --presets tiny,small.</summary>
    public List<TEnum> EnumList<TEnum>(string name, string fallback) where TEnum : struct, System.Enum =>
        String(name, fallback).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(text => ParseEnum<TEnum>(name, text)).ToList();

    /// <summary>The one place an option's text becomes an enum value: case-insensitive names only, never numbers.</summary>
    private static TEnum ParseEnum<TEnum>(string name, string text) where TEnum : struct, System.Enum =>
        !text.All(char.IsAsciiDigit) && System.Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && System.Enum.IsDefined(value) ? value
            : throw new ArgumentException($"--{name} must be one of {string.Join(", ", System.Enum.GetNames<TEnum>()).ToLowerInvariant()}, not '{text}'.");

    private T Parse<T>(string name, T fallback, Func<string, T> parse)
    {
        string text = String(name, "");
        if (text == "")
            return fallback;
        try { return parse(text); }
        catch (FormatException) { throw new ArgumentException($"--{name} expects a number, got '{text}'."); }
    }
}
