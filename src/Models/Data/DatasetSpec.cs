using System.Globalization;

namespace RecSys.Models.Data;

/// <summary>
/// A dataset named on the command line or in configuration:
/// <c>synthetic</c>, <c>synthetic:users=500,items=300,seed=7</c> or <c>movielens-100k:&lt;folder&gt;</c>.
/// </summary>
public sealed record DatasetSpec
{
    public const string SyntheticKind = "synthetic";
    public const string MovieLens100KKind = "movielens-100k";

    private DatasetSpec(string kind, string? path, SyntheticOptions? synthetic)
    {
        Kind = kind;
        Path = path;
        Synthetic = synthetic;
    }

    public string Kind { get; }

    /// <summary>Folder or file for file-based kinds.</summary>
    public string? Path { get; }

    /// <summary>Generator options for the synthetic kind.</summary>
    public SyntheticOptions? Synthetic { get; }

    public static DatasetSpec Default { get; } = new(SyntheticKind, null, new SyntheticOptions());

    /// <summary>Parses a spec; throws <see cref="FormatException"/> with a message fit for a user.</summary>
    public static DatasetSpec Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return Default;
        }
        var separator = text.IndexOf(':', StringComparison.Ordinal);
        var kind = (separator < 0 ? text : text[..separator]).Trim().ToLowerInvariant();
        var argument = separator < 0 ? "" : text[(separator + 1)..].Trim();
        switch (kind)
        {
            case SyntheticKind:
                return new DatasetSpec(SyntheticKind, null, ParseSynthetic(argument));
            case MovieLens100KKind:
            case "ml-100k":
                if (argument.Length == 0)
                {
                    throw new FormatException("movielens-100k needs a folder: movielens-100k:<dir>");
                }
                return new DatasetSpec(MovieLens100KKind, argument, null);
            default:
                throw new FormatException($"unknown dataset kind '{kind}'; expected 'synthetic[:users=N,items=N,seed=N]' or 'movielens-100k:<dir>'");
        }
    }

    /// <summary>Loads or generates the dataset.</summary>
    public InteractionDataset Load() => Kind switch
    {
        SyntheticKind => SyntheticDataset.Generate(Synthetic),
        MovieLens100KKind => MovieLens100KLoader.Load(Path!),
        _ => throw new InvalidOperationException($"unsupported dataset kind {Kind}"),
    };

    public override string ToString() => Kind switch
    {
        SyntheticKind => string.Create(CultureInfo.InvariantCulture, $"synthetic:users={Synthetic!.Users},items={Synthetic.Items},seed={Synthetic.Seed}"),
        _ => $"{Kind}:{Path}",
    };

    private static SyntheticOptions ParseSynthetic(string argument)
    {
        var options = new SyntheticOptions();
        if (argument.Length == 0)
        {
            return options;
        }
        foreach (var part in argument.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new FormatException($"synthetic option '{part}' is not key=value");
            }
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            options = key switch
            {
                "users" => options with { Users = PositiveInt(key, value) },
                "items" => options with { Items = PositiveInt(key, value) },
                "categories" => options with { Categories = PositiveInt(key, value) },
                "days" => options with { Days = PositiveInt(key, value) },
                "seed" => options with
                {
                    Seed = ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seed)
                        ? seed
                        : throw new FormatException($"synthetic option seed='{value}' is not a non-negative integer"),
                },
                _ => throw new FormatException($"unknown synthetic option '{key}'; expected users, items, categories, days or seed"),
            };
        }
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new FormatException($"synthetic options are invalid: {ex.Message}", ex);
        }
        return options;
    }

    private static int PositiveInt(string key, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new FormatException($"synthetic option {key}='{value}' is not a positive integer");
}
