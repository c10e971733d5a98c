using System.Globalization;
using System.Text;
using System.Text.Json;
using RecSys.Models.Evaluation;

namespace RecSys.Cli;

/// <summary>
/// The outcome of <c>recsys eval</c> for recall protocols (msr, ratio, loo, temporal, session): a console table,
/// report.md and report.json. <see cref="Columns"/> are the metric keys shown, in order.
/// </summary>
internal sealed record EvalReport(
    string Dataset,
    string Protocol,
    string Split,
    int K,
    string Evaluation,
    int Users,
    IReadOnlyList<EvaluationResult> Results,
    string CommandLine,
    IReadOnlyList<string> Columns)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>What <see cref="Users"/> counts: "users", or "predictions" for the session protocol.</summary>
    public string Unit { get; init; } = "users";

    /// <summary>Lines printed under the options in report.md (definitions, caveats).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>More top-level fields for report.json (e.g. the session split's counts).</summary>
    public IReadOnlyDictionary<string, object> Details { get; init; } = new Dictionary<string, object>();

    /// <summary>The columns of the ranking protocols: their metrics at K, then coverage and novelty when present.</summary>
    public static IReadOnlyList<string> RankingColumns(RankingEvaluator evaluator, IReadOnlyList<EvaluationResult> results) =>
    [
        .. new[] { "ndcg", "precision", "recall", "map", "map_recbole", "hit", "mrr" }.Select(m => evaluator.Key($"{m}@{evaluator.K}")),
        .. results.SelectMany(r => r.Metrics.Keys).Distinct().Where(k => k is "coverage" or "novelty"),
    ];

    public string ToTable()
    {
        var header = new List<string> { "model" };
        header.AddRange(Columns);
        header.AddRange(["train s", "eval s"]);
        var rows = Results.Select(r => new List<string> { r.Model }
            .Concat(Columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))
            .Concat([r.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture), r.EvalSeconds.ToString("0.0", CultureInfo.InvariantCulture)])
            .ToList()).ToList();
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Dataset} | {Split} | {Evaluation} | {Users:N0} {Unit} | K={K}");
        text.AppendLine(string.Join("  ", header.Select((h, c) => c == 0 ? h.PadRight(widths[c]) : h.PadLeft(widths[c]))));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))));
        }
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# recsys eval: {Dataset}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- protocol: `{Protocol}` ({Split})");
        text.AppendLine(CultureInfo.InvariantCulture, $"- evaluation: **{Evaluation}**, K = {K}, {Users:N0} test {Unit}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `{CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        text.AppendLine();
        text.AppendLine("| model | " + string.Join(" | ", Columns) + " | train s | eval s |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Columns.Count + 2)));
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Model} | {string.Join(" | ", Columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))} | {r.TrainSeconds:0.0} | {r.EvalSeconds:0.0} |");
        }
        text.AppendLine();
        text.AppendLine("Options:");
        text.AppendLine();
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{r.Model}`: {r.Options}");
        }
        foreach (var note in Notes)
        {
            text.AppendLine();
            text.AppendLine(note);
        }
        return text.ToString();
    }

    public string ToJson()
    {
        var root = new Dictionary<string, object>
        {
            ["dataset"] = Dataset,
            ["protocol"] = Protocol,
            ["split"] = Split,
            ["k"] = K,
            ["evaluation"] = Evaluation,
            [Unit] = Users,
        };
        foreach (var (key, value) in Details)
        {
            root[key] = value;
        }
        root["results"] = Results.Select(r => new
        {
            model = r.Model,
            options = r.Options,
            metrics = r.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? Math.Round(m.Value, 6) : (double?)null),
            trainSeconds = Math.Round(r.TrainSeconds, 3),
            evalSeconds = Math.Round(r.EvalSeconds, 3),
        });
        return JsonSerializer.Serialize(root, Json);
    }

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
