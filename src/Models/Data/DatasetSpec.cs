using System.Globalization;

namespace RecSys.Models.Data;

/// <summary>
/// A dataset named on the command line or in configuration:
/// <list type="bullet">
/// <item><c>synthetic[:users=N,items=N,categories=N,days=N,seed=N]</c></item>
/// <item><c>movielens-100k:&lt;folder&gt;</c> (u.data, u.item, u.user), <c>movielens-1m:&lt;folder&gt;</c> (*.dat),
/// <c>movielens-25m:&lt;folder&gt;</c> (also 20m, latest, latest-small: ratings.csv, movies.csv, tags.csv)</item>
/// <item><c>csv:&lt;file&gt;</c>, <c>tsv:&lt;file&gt;</c>, <c>jsonl:&lt;file&gt;</c>, optionally followed by
/// <c>#user=col,item=col,rating=col,timestamp=col,sep=semicolon,items=&lt;catalogue file&gt;,encoding=latin1</c></item>
/// <item><c>diginetica:&lt;file&gt;</c> (DIGINETICA <c>train-item-views.csv</c>: sessions as users)</item>
/// </list>
/// </summary>
public sealed record DatasetSpec
{
    public const string SyntheticKind = "synthetic";
    public const string MovieLens100KKind = "movielens-100k";
    public const string MovieLens1MKind = "movielens-1m";
    public const string MovieLensCsvKind = "movielens-25m";
    public const string FileKind = "file";
    public const string DigineticaKind = "diginetica";

    /// <summary>A dataset already in memory (<see cref="InMemory"/>): evaluation hosts serve a split's training part.</summary>
    public const string MemoryKind = "memory";

    private static readonly Dictionary<string, string> MovieLensCsvNames = new(StringComparer.Ordinal)
    {
        ["movielens-25m"] = "movielens-25m",
        ["ml-25m"] = "movielens-25m",
        ["movielens-20m"] = "movielens-20m",
        ["ml-20m"] = "movielens-20m",
        ["movielens-latest"] = "movielens-latest",
        ["ml-latest"] = "movielens-latest",
        ["movielens-latest-small"] = "movielens-latest-small",
        ["ml-latest-small"] = "movielens-latest-small",
    };

    private readonly InteractionDataset? _inMemory;

    private DatasetSpec(string kind, string? path, SyntheticOptions? synthetic = null, InteractionFileOptions? file = null, string? label = null, InteractionDataset? inMemory = null)
    {
        _inMemory = inMemory;
        Kind = kind;
        Path = path;
        Synthetic = synthetic;
        File = file;
        Label = label ?? kind;
    }

    public string Kind { get; }

    /// <summary>Folder or file for file-based kinds.</summary>
    public string? Path { get; }

    /// <summary>Generator options for the synthetic kind.</summary>
    public SyntheticOptions? Synthetic { get; }

    /// <summary>Column mapping for generic files.</summary>
    public InteractionFileOptions? File { get; }

    /// <summary>The kind as the user wrote it (e.g. movielens-latest), used to name the dataset.</summary>
    public string Label { get; }

    public static DatasetSpec Default { get; } = new(SyntheticKind, null, new SyntheticOptions());

    /// <summary>A spec whose <see cref="Load"/> returns <paramref name="dataset"/> itself (not parsable from text).</summary>
    public static DatasetSpec InMemory(InteractionDataset dataset) => new(MemoryKind, null, label: dataset.Name, inMemory: dataset);

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
        string RequirePath(string what) =>
            argument.Length > 0 ? argument : throw new FormatException($"{kind} needs a {what}: {kind}:<{what}>");

        switch (kind)
        {
            case SyntheticKind:
                return new DatasetSpec(SyntheticKind, null, ParseSynthetic(argument));
            case MovieLens100KKind or "ml-100k":
                return new DatasetSpec(MovieLens100KKind, RequirePath("folder"));
            case MovieLens1MKind or "ml-1m":
                return new DatasetSpec(MovieLens1MKind, RequirePath("folder"));
            case var csvKind when MovieLensCsvNames.TryGetValue(csvKind, out var label):
                return new DatasetSpec(MovieLensCsvKind, RequirePath("folder"), label: label);
            case DigineticaKind:
                return new DatasetSpec(DigineticaKind, RequirePath("file"));
            case "csv" or "tsv" or "jsonl":
                var hash = argument.IndexOf('#', StringComparison.Ordinal);
                var path = (hash < 0 ? argument : argument[..hash]).Trim();
                if (path.Length == 0)
                {
                    throw new FormatException($"{kind} needs a file: {kind}:<file>[#user=col,item=col,...]");
                }
                var format = kind switch { "tsv" => InteractionFileFormat.Tsv, "jsonl" => InteractionFileFormat.Jsonl, _ => InteractionFileFormat.Csv };
                var options = ParseFileOptions(hash < 0 ? "" : argument[(hash + 1)..], new InteractionFileOptions { Format = format });
                return new DatasetSpec(FileKind, path, file: options, label: kind);
            default:
                throw new FormatException(
                    $"unknown dataset kind '{kind}'; expected synthetic[:users=N,items=N,seed=N], movielens-100k:<dir>, " +
                    "movielens-1m:<dir>, movielens-25m:<dir> (or 20m, latest), csv:<file>, tsv:<file>, jsonl:<file> or diginetica:<file>");
        }
    }

    /// <summary>Loads or generates the dataset; malformed lines are handled by <paramref name="badLines"/>.</summary>
    public InteractionDataset Load(BadLines? badLines = null) => Kind switch
    {
        SyntheticKind => SyntheticDataset.Generate(Synthetic),
        MovieLens100KKind => MovieLens100KLoader.Load(Path!, badLines),
        MovieLens1MKind => MovieLens1MLoader.Load(Path!, badLines),
        MovieLensCsvKind => MovieLensCsvLoader.Load(Path!, Label, badLines),
        FileKind => InteractionFileLoader.Load(Path!, File!, badLines),
        MemoryKind => _inMemory!,
        DigineticaKind => DigineticaLoader.Load(Path!, badLines),
        _ => throw new InvalidOperationException($"unsupported dataset kind {Kind}"),
    };

    public override string ToString() => Kind switch
    {
        SyntheticKind => string.Create(CultureInfo.InvariantCulture, $"synthetic:users={Synthetic!.Users},items={Synthetic.Items},seed={Synthetic.Seed}"),
        MemoryKind => $"memory:{Label}",
        _ => $"{Label}:{Path}",
    };

    private static InteractionFileOptions ParseFileOptions(string text, InteractionFileOptions options)
    {
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == part.Length - 1)
            {
                throw new FormatException($"file option '{part}' is not key=value");
            }
            var key = part[..eq].Trim().ToLowerInvariant();
            var value = part[(eq + 1)..].Trim();
            options = key switch
            {
                "user" => options with { User = value },
                "item" => options with { Item = value },
                "rating" => options with { Rating = value },
                "timestamp" or "time" => options with { Timestamp = value },
                "items" => options with { ItemsPath = value },
                "encoding" => options with
                {
                    Encoding = value.ToLowerInvariant() switch
                    {
                        "utf8" or "utf-8" => new System.Text.UTF8Encoding(false),
                        "latin1" or "iso-8859-1" => System.Text.Encoding.Latin1,
                        _ => throw new FormatException($"encoding='{value}' is not utf8 or latin1"),
                    },
                },
                "sep" or "delimiter" => options with
                {
                    Delimiter = value.ToLowerInvariant() switch
                    {
                        "comma" or "," => ',',
                        "semicolon" or ";" => ';',
                        "tab" => '\t',
                        "pipe" or "|" => '|',
                        _ => throw new FormatException($"sep='{value}' is not one of comma, semicolon, tab, pipe"),
                    },
                },
                _ => throw new FormatException($"unknown file option '{key}'; expected user, item, rating, timestamp, sep, items or encoding"),
            };
        }
        return options;
    }

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
