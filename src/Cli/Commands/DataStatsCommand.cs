using RecSys.Models.Data;

namespace RecSys.Cli.Commands;

/// <summary><c>recsys data stats --data &lt;spec&gt; [--skip-bad-lines] [--min-rating r] [--k-core n]</c></summary>
internal static class DataStatsCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(args, ["--data", "--min-rating", "--k-core"], ["--skip-bad-lines"]);
        var dataset = DataLoading.Load(arguments, error);
        output.Write(DatasetStatistics.Compute(dataset).ToReport());
        return CliApp.Success;
    }
}

/// <summary>--data, --skip-bad-lines and the filters, shared by the commands that read datasets.</summary>
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
        if (arguments.Optional("--k-core") is not null)
        {
            dataset = DatasetFilters.KCore(dataset, arguments.Int("--k-core", 1, 1, 1_000_000));
        }
        return dataset;
    }
}
