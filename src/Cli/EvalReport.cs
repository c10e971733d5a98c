using System.Globalization;
using System.Text;
using System.Text.Json;
using RecSys.Models.Evaluation;

namespace RecSys.Cli;

/// <summary>The outcome of <c>recsys eval</c>: a console table, report.md and report.json.</summary>
internal sealed record EvalReport(
    string Dataset,
    string Protocol,
    string Split,
    int K,
    string Evaluation,
    int Users,
    IReadOnlyList<EvaluationResult> Results,
    string CommandLine)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Metric columns in display order.</summary>
    private IReadOnlyList<string> Columns(RankingEvaluator evaluator) =>
    [
        .. new[] { "ndcg", "precision", "recall", "map", "map_recbole", "hit", "mrr" }.Select(m => evaluator.Key($"{m}@{K}")),
        .. Results.SelectMany(r => r.Metrics.Keys).Distinct().Where(k => k is "coverage" or "novelty"),
    ];

    public string ToTable(RankingEvaluator evaluator)
    {
        var columns = Columns(evaluator);
        var header = new List<string> { "model" };
        header.AddRange(columns);
        header.AddRange(["train s", "eval s"]);
        var rows = Results.Select(r => new List<string> { r.Model }
            .Concat(columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))
            .Concat([r.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture), r.EvalSeconds.ToString("0.0", CultureInfo.InvariantCulture)])
            .ToList()).ToList();
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();

        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Dataset} | {Split} | {Evaluation} | {Users:N0} users | K={K}");
        text.AppendLine(string.Join("  ", header.Select((h, c) => c == 0 ? h.PadRight(widths[c]) : h.PadLeft(widths[c]))));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))));
        }
        return text.ToString();
    }

    public string ToMarkdown(RankingEvaluator evaluator)
    {
        var columns = Columns(evaluator);
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# recsys eval: {Dataset}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- protocol: `{Protocol}` ({Split})");
        text.AppendLine(CultureInfo.InvariantCulture, $"- evaluation: **{Evaluation}**, K = {K}, {Users:N0} test users");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `{CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        text.AppendLine();
        text.AppendLine("| model | " + string.Join(" | ", columns) + " | train s | eval s |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", columns.Count + 2)));
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Model} | {string.Join(" | ", columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))} | {r.TrainSeconds:0.0} | {r.EvalSeconds:0.0} |");
        }
        text.AppendLine();
        text.AppendLine("Options:");
        text.AppendLine();
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{r.Model}`: {r.Options}");
        }
        text.AppendLine();
        text.AppendLine("`map@K` divides each user's average precision by the number of relevant items (Microsoft Recommenders); " +
                        "`map_recbole@K` by min(relevant, K) (RecBole).");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        dataset = Dataset,
        protocol = Protocol,
        split = Split,
        k = K,
        evaluation = Evaluation,
        users = Users,
        results = Results.Select(r => new
        {
            model = r.Model,
            options = r.Options,
            metrics = r.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? Math.Round(m.Value, 6) : (double?)null),
            trainSeconds = Math.Round(r.TrainSeconds, 3),
            evalSeconds = Math.Round(r.EvalSeconds, 3),
        }),
    }, Json);

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
