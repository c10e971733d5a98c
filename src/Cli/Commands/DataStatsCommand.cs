using RecSys.Models.Data;

namespace RecSys.Cli.Commands;

/// <summary><c>recsys data stats --data &lt;spec&gt; [--skip-bad-lines] [--min-rating r] [--sessions gap] [--k-core n]</c></summary>
internal static class DataStatsCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(args, ["--data", "--min-rating", "--k-core", "--sessions"], ["--skip-bad-lines"]);
        var dataset = DataLoading.Load(arguments, error);
        output.Write(DatasetStatistics.Compute(dataset).ToReport());
        return CliApp.Success;
    }
}

/// <summary>
/// --data, --skip-bad-lines and the filters, shared by the commands that read datasets, applied in this order:
/// --min-rating, --sessions (so a session holds only the kept ratings), --k-core (so --k-core 2 keeps sessions of
/// two or more events and items seen twice).
/// </summary>
internal static class DataLoading
{
    public static InteractionDataset Load(Arguments arguments, TextWriter error)
    {
        var spec = DatasetSpec.Parse(arguments.Require("--data"));
        var badLines = new BadLines(arguments.Has("--skip-bad-lines"));
        var dataset = spec.Load(badLines);
        if (badLines.Count > 0)
        {
            error.WriteLine($"recsys: {badLines.Summary}");
        }
        if (arguments.Optional("--min-rating") is not null)
        {
            dataset = DatasetFilters.MinRating(dataset, (float)arguments.Double("--min-rating", 0, double.MinValue, double.MaxValue));
        }
        if (arguments.Optional("--sessions") is { } gap)
        {
            dataset = DatasetFilters.Sessions(dataset, ParseGap(gap));
        }
        if (arguments.Optional("--k-core") is not null)
        {
            dataset = DatasetFilters.KCore(dataset, arguments.Int("--k-core", 1, 1, 1_000_000));
        }
        return dataset;
    }

    /// <summary>A duration such as 90s, 30m, 1h, 1.5h or 1d (at least one second).</summary>
    public static TimeSpan ParseGap(string text)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        var seconds = unit switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86_400, _ => 0 };
        if (seconds == 0
            || !double.TryParse(text[..^1], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var count)
            || count * seconds < 1 || count * seconds > 100 * 365 * 86_400.0)
        {
            throw new UsageException($"--sessions '{text}' is not a gap such as 30m, 1h or 1d (s, m, h or d; at least 1s)");
        }
        return TimeSpan.FromSeconds(Math.Round(count * seconds));
    }
}
