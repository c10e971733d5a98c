using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using RecSys.Models.Data;
using RecSys.Models.Evaluation.Metrics;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys eval --protocol ctr --data &lt;spec&gt; --models lr,fm [--set model.option=value]... [--seed 42]
/// [--out &lt;folder&gt;] [--device auto|cpu|cuda]</c>: every interaction becomes a labelled example (rating ≥ 4 for
/// explicit data; positives plus one sampled negative each for implicit data), split at random 8:1:1; each ranker
/// trains on the first part, stops early on the second and is scored on the third: AUC, GAUC (by user) and LogLoss
/// of task 0.
/// </summary>
internal static class CtrEvalCommand
{
    public static readonly string[] DefaultModels = ["lr", "fm"];

    private static readonly IPointwiseMetric[] Metrics = [new Auc(), new Gauc(), new LogLoss()];

    public static int Run(Arguments arguments, TextWriter output, TextWriter error)
    {
        foreach (var option in new[] { "--k", "--sampled", "--recall", "--candidates", "--negatives", "--recall-negatives", "--ranker-data" })
        {
            if (arguments.Optional(option) is not null)
            {
                throw new UsageException($"{option} has no meaning for --protocol ctr (it trains rankers only and reports auc, gauc and logloss)");
            }
        }
        var models = (arguments.Optional("--models") ?? string.Join(',', DefaultModels))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (models.Length == 0)
        {
            throw new UsageException($"--models names no model; known rankers: {string.Join(", ", RankerCatalog.Names)}");
        }
        foreach (var model in models)
        {
            if (!RankerCatalog.Contains(model))
            {
                throw new UsageException($"unknown ranker '{model}' for --protocol ctr; known rankers: {string.Join(", ", RankerCatalog.Names)}");
            }
        }
        var settings = ModelSettings.ParseRankers(arguments.All("--set"), models);
        var seed = CommonOptions.Seed(arguments);
        var device = CommonOptions.Device(arguments);
        var outFolder = CommonOptions.ReportFolder(arguments);

        InteractionDataset dataset;
        using (var loading = new ConsoleProgress(error, "loading"))
        {
            dataset = DataLoading.Load(arguments, error);
            loading.Report(new TrainingProgress(dataset.Name, 1));
        }
        var split = CtrData.Split(dataset, new CtrOptions { Seed = seed, Labelling = CtrData.DefaultLabelling(dataset) });
        if (split.Train.Count == 0 || split.Test.Count == 0)
        {
            throw new UsageException($"{dataset.Name} has too few interactions ({dataset.Interactions.Length:N0}) for an 8:1:1 split");
        }
        var map = split.Train.Map;
        error.WriteLine($"{dataset.Name}: {split.Protocol}: train {split.Train.Count:N0}, validation {split.Validation.Count:N0}, test {split.Test.Count:N0} examples; " +
                        $"task {map.Tasks[0]}; {map.Features.Count} features ({map.Sparse.Count} sparse, {map.Sequences.Count} sequence, {map.Dense.Count} dense)");

        var results = new List<CtrResult>();
        foreach (var name in models)
        {
            using var ranker = RankerCatalog.Create(name, settings.GetValueOrDefault(name));
            var watch = Stopwatch.StartNew();
            using (var training = new ConsoleProgress(error, $"training {name}"))
            {
                ranker.Fit(split.Train, split.Validation, new RankingContext(seed, training, device));
                training.Report(new TrainingProgress("done", 1));
            }
            var trainSeconds = watch.Elapsed.TotalSeconds;
            var probabilities = RankingModel<RankerOptions>.Column(ranker.Predict(split.Test), split.Test.TaskCount, 0);
            var labels = split.Test.LabelsOf(0);
            var values = Metrics.ToDictionary(m => m.Name, m => m.Compute(labels, probabilities, split.Test.Users));
            results.Add(new CtrResult(name, ranker.Describe(), values, ranker.BestValidationAuc, trainSeconds));
        }

        var report = new CtrReport(dataset.Name, split.Protocol, map.Tasks[0], split.Train.Count, split.Validation.Count, split.Test.Count, results, Environment.CommandLine);
        output.Write(report.ToTable());
        CommonOptions.WriteReport(outFolder, report.ToMarkdown(), report.ToJson(), error);
        return CliApp.Success;
    }
}

/// <summary>One ranker's test metrics.</summary>
internal sealed record CtrResult(string Model, string Options, IReadOnlyDictionary<string, double> Metrics, double? ValidationAuc, double TrainSeconds);

/// <summary>The outcome of <c>recsys eval --protocol ctr</c>: a console table, report.md and report.json.</summary>
internal sealed record CtrReport(string Dataset, string Split, string Task, int Train, int Validation, int Test, IReadOnlyList<CtrResult> Results, string CommandLine)
{
    private static readonly string[] Columns = ["auc", "gauc", "logloss"];
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToTable()
    {
        var header = new List<string> { "model" };
        header.AddRange(Columns);
        header.AddRange(["valid auc", "train s"]);
        var rows = Results.Select(r => new List<string> { r.Model }
            .Concat(Columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))
            .Concat([Format(r.ValidationAuc ?? double.NaN), r.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture)])
            .ToList()).ToList();
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Dataset} | {Split} | task {Task} | test {Test:N0} examples");
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
        text.AppendLine(CultureInfo.InvariantCulture, $"- protocol: `ctr` ({Split}); task `{Task}`; train {Train:N0}, validation {Validation:N0}, test {Test:N0} examples");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `{CommandLine}`");
        text.AppendLine();
        text.AppendLine("| model | auc | gauc | logloss | valid auc | train s |");
        text.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Model} | {string.Join(" | ", Columns.Select(c => Format(r.Metrics.GetValueOrDefault(c, double.NaN))))} | {Format(r.ValidationAuc ?? double.NaN)} | {r.TrainSeconds:0.0} |");
        }
        text.AppendLine();
        foreach (var r in Results)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{r.Model}`: {r.Options}");
        }
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        dataset = Dataset,
        protocol = "ctr",
        split = Split,
        task = Task,
        examples = new { train = Train, validation = Validation, test = Test },
        results = Results.Select(r => new
        {
            model = r.Model,
            options = r.Options,
            metrics = r.Metrics.ToDictionary(m => m.Key, m => double.IsFinite(m.Value) ? Math.Round(m.Value, 6) : (double?)null),
            validationAuc = r.ValidationAuc is { } v && double.IsFinite(v) ? Math.Round(v, 6) : (double?)null,
            trainSeconds = Math.Round(r.TrainSeconds, 3),
        }),
    }, Json);

    private static string Format(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0000", CultureInfo.InvariantCulture);
}
