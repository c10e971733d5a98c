using System.Globalization;
using System.Text;
using System.Text.Json;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys eval --protocol two-stage --data &lt;spec&gt; --recall sasrec --models lr,din [--candidates 200] [--k 10]
/// [--ranker-data impressions|interactions] [--negatives 4] [--recall-negatives 0.5] [--set model.option=value]... [--seed 42] [--out &lt;folder&gt;] [--device auto|cpu|cuda]</c>: on the
/// leave-one-out split, the recall model's top candidates per user are re-ranked by each ranker; the table compares
/// every re-ranked list with the recall model's own.
/// </summary>
internal static class TwoStageEvalCommand
{
    public const string DefaultRecall = "sasrec";
    public static readonly string[] DefaultRankers = ["lr", "din"];
    private static readonly string[] Columns = ["ndcg@10", "hit@10", "mrr@10", "recall@10"];

    public static int Run(Arguments arguments, TextWriter output, TextWriter error)
    {
        if (arguments.Optional("--sampled") is not null)
        {
            throw new UsageException("--sampled has no meaning for --protocol two-stage (it re-ranks full-ranking candidates)");
        }
        var recall = arguments.Optional("--recall") ?? DefaultRecall;
        if (!RecommenderCatalog.Contains(recall))
        {
            throw new UsageException($"--recall '{recall}' is not a recall model; known models: {string.Join(", ", RecommenderCatalog.Names)}");
        }
        var rankers = (arguments.Optional("--models") ?? string.Join(',', DefaultRankers))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (rankers.Length == 0)
        {
            throw new UsageException($"--models names no ranker; known rankers: {string.Join(", ", RankerCatalog.Names)}");
        }
        foreach (var ranker in rankers)
        {
            if (!RankerCatalog.Contains(ranker))
            {
                throw new UsageException($"unknown ranker '{ranker}' for --protocol two-stage; known rankers: {string.Join(", ", RankerCatalog.Names)}");
            }
        }
        var sets = arguments.All("--set");
        bool ForRecall(string s) => s.StartsWith(recall + ".", StringComparison.Ordinal);
        var recallSettings = ModelSettings.Parse([.. sets.Where(ForRecall)], [recall]);
        var rankerSettings = ModelSettings.ParseRankers([.. sets.Where(s => !ForRecall(s))], rankers);
        var k = arguments.Int("--k", 10, 1, 1000);
        var candidates = arguments.Int("--candidates", 200, 1, 100_000);
        if (candidates < k)
        {
            throw new UsageException($"--candidates ({candidates}) must be at least --k ({k})");
        }
        var trainingText = (arguments.Optional("--ranker-data") ?? "impressions").ToLowerInvariant();
        var rankerData = trainingText switch
        {
            "impressions" => TwoStageTraining.Impressions,
            "interactions" => TwoStageTraining.Interactions,
            _ => throw new UsageException($"--ranker-data must be impressions or interactions; got '{trainingText}'"),
        };
        var negatives = arguments.Int("--negatives", 4, 1, 1000);
        var shareText = arguments.Optional("--recall-negatives") ?? "0.5";
        if (!double.TryParse(shareText, NumberStyles.Float, CultureInfo.InvariantCulture, out var recallShare) || recallShare is < 0 or > 1)
        {
            throw new UsageException($"--recall-negatives must be a share from 0 to 1; got '{shareText}'");
        }
        var seed = CommonOptions.Seed(arguments);
        var device = CommonOptions.Device(arguments);
        var outFolder = CommonOptions.ReportFolder(arguments);

        InteractionDataset dataset;
        using (var loading = new ConsoleProgress(error, "loading"))
        {
            dataset = DataLoading.Load(arguments, error);
            loading.Report(new TrainingProgress(dataset.Name, 1));
        }
        var split = Splits.LeaveOneOut(dataset);
        var evaluator = new RankingEvaluator(split, new EvaluationOptions { K = k, Seed = seed });
        if (evaluator.EvaluatedUsers == 0)
        {
            throw new UsageException($"{split.Protocol} leaves no user with both training and test interactions in {dataset.Name}");
        }

        var model = RecommenderCatalog.Create(recall, recallSettings.GetValueOrDefault(recall));
        TwoStageEvaluation twoStage;
        double recallSeconds;
        using (var training = new ConsoleProgress(error, $"training {recall}"))
        {
            var context = new TrainingContext(seed, training, device) { UserInfos = dataset.UserInfos, ItemInfos = dataset.ItemInfos };
            try
            {
                recallSeconds = evaluator.Run(model, context).TrainSeconds;
            }
            catch (RecommenderConfigurationException ex)
            {
                throw new UsageException($"{recall}: {ex.Message}");
            }
            training.Report(new TrainingProgress("candidates and ranker data", 1));
            twoStage = new TwoStageEvaluation(split, evaluator, model, new TwoStageOptions
            {
                Candidates = candidates,
                Training = rankerData,
                NegativesPerPositive = negatives,
                RecallNegativeShare = recallShare,
                Seed = seed,
            });
            training.Report(new TrainingProgress("done", 1));
        }
        (model as IDisposable)?.Dispose();
        var source = rankerData == TwoStageTraining.Impressions
            ? $"{recall}'s lists at the validation step, with its scores"
            : $"training interactions with {negatives} sampled negatives each, {recallShare:P0} of them from the user's candidates";
        error.WriteLine($"{dataset.Name}: {split.Protocol}; {evaluator.EvaluatedUsers:N0} users; {recall} top-{candidates} holds the test item for " +
                        $"{twoStage.CandidateHitShare:P1} of them; rankers train on {twoStage.RankerData.Train.Count:N0} examples ({source}), " +
                        $"validate on {twoStage.RankerData.Validation.Count:N0}");

        var rows = new List<TwoStageResult> { new(recall + " (recall alone)", "", twoStage.RecallMetrics, recallSeconds, null) };
        foreach (var name in rankers)
        {
            using var ranker = RankerCatalog.Create(name, rankerSettings.GetValueOrDefault(name));
            using var training = new ConsoleProgress(error, $"training {name}");
            rows.Add(twoStage.Run(ranker, new RankingContext(seed, training, device)));
            training.Report(new TrainingProgress("done", 1));
        }

        var title = $"{dataset.Name} | two-stage: {split.Protocol}, {recall} top-{candidates} re-ranked | {evaluator.EvaluatedUsers:N0} users | K={k}";
        var columns = Columns.Select(c => c.Replace("@10", $"@{k}", StringComparison.Ordinal)).ToArray();
        output.Write(Table(title, columns, rows));
        CommonOptions.WriteReport(outFolder, Markdown(title, columns, rows), JsonSerializer.Serialize(new
            {
                dataset = dataset.Name,
                protocol = "two-stage",
                split = split.Protocol,
                recall,
                candidates,
                candidateHitShare = Math.Round(twoStage.CandidateHitShare, 6),
                k,
                results = rows.Select(r => new { model = r.Ranker, options = r.Options, metrics = r.Metrics.ToDictionary(m => m.Key, m => Math.Round(m.Value, 6)), trainSeconds = Math.Round(r.TrainSeconds, 3) }),
                commandLine = Environment.CommandLine,
            }, new JsonSerializerOptions { WriteIndented = true }), error);
        return CliApp.Success;
    }

    private static List<List<string>> Cells(string[] columns, IReadOnlyList<TwoStageResult> rows) =>
        [.. rows.Select(r => new List<string> { r.Ranker }
            .Concat(columns.Select(c => r.Metrics.GetValueOrDefault(c, double.NaN).ToString("0.0000", CultureInfo.InvariantCulture)))
            .Append(r.TrainSeconds.ToString("0.0", CultureInfo.InvariantCulture))
            .ToList())];

    private static string Table(string title, string[] columns, IReadOnlyList<TwoStageResult> rows)
    {
        var header = new List<string> { "model" };
        header.AddRange(columns);
        header.Add("train s");
        var cells = Cells(columns, rows);
        var widths = header.Select((h, c) => Math.Max(h.Length, cells.Max(r => r[c].Length))).ToArray();
        var text = new StringBuilder().AppendLine(title);
        text.AppendLine(string.Join("  ", header.Select((h, c) => c == 0 ? h.PadRight(widths[c]) : h.PadLeft(widths[c]))));
        foreach (var row in cells)
        {
            text.AppendLine(string.Join("  ", row.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))));
        }
        return text.ToString();
    }

    private static string Markdown(string title, string[] columns, IReadOnlyList<TwoStageResult> rows)
    {
        var text = new StringBuilder().AppendLine(CultureInfo.InvariantCulture, $"# {title}").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"`{Environment.CommandLine}`").AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"| model | {string.Join(" | ", columns)} | train s |");
        text.AppendLine(CultureInfo.InvariantCulture, $"|---|{string.Concat(columns.Select(_ => "---:|"))}---:|");
        foreach (var row in Cells(columns, rows))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {string.Join(" | ", row)} |");
        }
        text.AppendLine();
        foreach (var r in rows.Where(r => r.Options.Length > 0))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"- `{r.Ranker}`: {r.Options}");
        }
        return text.ToString();
    }
}
