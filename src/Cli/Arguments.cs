namespace RecSys.Cli;

/// <summary>A usage error: printed as "recsys: message" with exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// "--name value" options, "--flag" switches and repeatable options, each checked against what the command
/// accepts so a typo is an error, not a silent default.
/// </summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private Arguments()
    {
    }

    public static Arguments Parse(IReadOnlyList<string> args, IReadOnlyCollection<string> options, IReadOnlyCollection<string>? flags = null, IReadOnlyCollection<string>? repeatable = null)
    {
        flags ??= [];
        repeatable ??= [];
        var parsed = new Arguments();
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (flags.Contains(name))
            {
                parsed._flags.Add(name);
                continue;
            }
            if (!options.Contains(name))
            {
                var known = options.Concat(flags).Order();
                throw new UsageException(name.StartsWith("--", StringComparison.Ordinal)
                    ? $"unknown option '{name}'; expected {string.Join(", ", known)}"
                    : $"unexpected argument '{name}'");
            }
            if (i + 1 >= args.Count || (args[i + 1].StartsWith("--", StringComparison.Ordinal) && args[i + 1].Length > 2))
            {
                throw new UsageException($"option '{name}' needs a value");
            }
            if (!parsed._values.TryGetValue(name, out var list))
            {
                parsed._values[name] = list = [];
            }
            else if (!repeatable.Contains(name))
            {
                throw new UsageException($"option '{name}' is given twice");
            }
            list.Add(args[++i]);
        }
        return parsed;
    }

    public string Require(string name) =>
        _values.TryGetValue(name, out var v) ? v[0] : throw new UsageException($"missing {name} <value>");

    public string? Optional(string name) => _values.TryGetValue(name, out var v) ? v[0] : null;

    public IReadOnlyList<string> All(string name) => _values.TryGetValue(name, out var v) ? v : [];

    public bool Has(string flag) => _flags.Contains(flag);

    public int Int(string name, int fallback, int min, int max)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }
        return int.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{name} must be an integer from {min} to {max}; got '{text}'");
    }

    public double Double(string name, double fallback, double min, double max)
    {
        var text = Optional(name);
        if (text is null)
        {
            return fallback;
        }
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new UsageException($"{name} must be a number from {min} to {max}; got '{text}'");
    }
}
