using System.Globalization;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys eval --data &lt;spec&gt; --protocol msr|ratio|loo|temporal --models pop,itemcf,... --k 10 --seed 42
/// [--out &lt;folder&gt;] [--set model.option=value]... [--sampled N] [--device auto|cpu|cuda]</c>; ctr, two-stage and
/// session go to their own commands.
/// </summary>
internal static class EvalCommand
{
    public static readonly string[] Protocols = ["msr", "ratio", "loo", "temporal", "ctr", "two-stage", "session"];

    /// <summary>Options only --protocol session reads.</summary>
    private static readonly string[] SessionOptions = ["--test-share", "--test-days", "--export-split", "--ties"];

    public static readonly string[] DefaultModels = ["pop", "itemcf", "usercf", "bpr", "als", "ease"];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(
            args,
            ["--data", "--protocol", "--models", "--k", "--seed", "--out", "--set", "--sampled", "--device", "--min-rating", "--k-core", "--sessions", "--recall", "--candidates", "--negatives", "--recall-negatives", "--ranker-data", .. SessionOptions],
            ["--skip-bad-lines", "--exclude-seen"],
            repeatable: ["--set"]);

        var protocol = (arguments.Optional("--protocol") ?? "msr").ToLowerInvariant();
        if (!Protocols.Contains(protocol))
        {
            throw new UsageException($"--protocol '{protocol}' is not one of {string.Join(", ", Protocols)}");
        }
        var sessionOption = SessionOptions.FirstOrDefault(o => arguments.Optional(o) is not null) ?? (arguments.Has("--exclude-seen") ? "--exclude-seen" : null);
        if (protocol != "session" && sessionOption is not null)
        {
            throw new UsageException($"{sessionOption} belongs to --protocol session");
        }
        if (protocol == "ctr")
        {
            return CtrEvalCommand.Run(arguments, output, error); // rankers, not recall models
        }
        if (protocol == "two-stage")
        {
            return TwoStageEvalCommand.Run(arguments, output, error);
        }
        foreach (var option in new[] { "--recall", "--candidates", "--negatives", "--recall-negatives", "--ranker-data" })
        {
            if (arguments.Optional(option) is not null)
            {
                throw new UsageException($"{option} belongs to --protocol two-stage");
            }
        }
        if (protocol == "session")
        {
            return SessionEvalCommand.Run(arguments, output, error);
        }
        var models = (arguments.Optional("--models") ?? string.Join(',', DefaultModels))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (models.Length == 0)
        {
            throw new UsageException($"--models names no model; known models: {string.Join(", ", RecommenderCatalog.Names)}");
        }
        foreach (var model in models)
        {
            if (!RecommenderCatalog.Contains(model))
            {
                throw new UsageException($"unknown model '{model}'; known models: {string.Join(", ", RecommenderCatalog.Names)}");
            }
        }
        var settings = ModelSettings.Parse(arguments.All("--set"), models);
        var k = arguments.Int("--k", 10, 1, 1000);
        var seed = CommonOptions.Seed(arguments);
        int? sampled = arguments.Optional("--sampled") is null ? null : arguments.Int("--sampled", 100, 1, 1_000_000);
        var device = CommonOptions.Device(arguments);
        var outFolder = CommonOptions.ReportFolder(arguments);

        InteractionDataset dataset;
        using (var loading = new ConsoleProgress(error, "loading"))
        {
            dataset = DataLoading.Load(arguments, error);
            loading.Report(new TrainingProgress(dataset.Name, 1));
        }
        var split = protocol switch
        {
            "msr" => Splits.StratifiedByItem(dataset, 0.75, seed),
            "ratio" => Splits.RandomByUser(dataset, 0.8, 0.1, 0.1, seed),
            "loo" => Splits.LeaveOneOut(dataset),
            _ => Splits.TemporalCutoff(dataset, 0.2),
        };
        var evaluator = new RankingEvaluator(split, new EvaluationOptions { K = k, SampledNegatives = sampled, Seed = seed });
        if (evaluator.EvaluatedUsers == 0)
        {
            throw new UsageException($"{split.Protocol} leaves no user with both training and test interactions in {dataset.Name} " +
                                     $"({dataset.Interactions.Length:N0} interactions); relax the filters or use more data");
        }
        error.WriteLine($"{dataset.Name}: {dataset.UserCount:N0} users, {dataset.ItemCount:N0} items, {dataset.Interactions.Length:N0} interactions; " +
                        $"{split.Protocol}: train {split.Train.Length:N0}, validation {split.Validation.Length:N0}, test {split.Test.Length:N0}; " +
                        $"{evaluator.EvaluatedUsers:N0} test users, {evaluator.Mode}");

        var results = new List<EvaluationResult>();
        foreach (var name in models)
        {
            var model = RecommenderCatalog.Create(name, settings.GetValueOrDefault(name));
            using var training = new ConsoleProgress(error, $"training {name}");
            var context = new TrainingContext(seed, training, device) { UserInfos = dataset.UserInfos, ItemInfos = dataset.ItemInfos };
            EvaluationResult result;
            try
            {
                result = evaluator.Run(model, context, new ScoringProgress(training));
            }
            catch (RecommenderConfigurationException ex)
            {
                throw new UsageException($"{name}: {ex.Message}");
            }
            training.Report(new TrainingProgress("done", 1));
            if (result.NanScores > 0)
            {
                error.WriteLine($"recsys: warning: {name} returned {result.NanScores:N0} NaN scores (diverged?); they were not ranked");
            }
            results.Add(result);
        }

        var report = new EvalReport(dataset.Name, protocol, split.Protocol, k, evaluator.Mode, evaluator.EvaluatedUsers, results, Environment.CommandLine,
            EvalReport.RankingColumns(evaluator, results))
        {
            Notes = ["`map@K` divides each user's average precision by the number of relevant items (Microsoft Recommenders); " +
                     "`map_recbole@K` by min(relevant, K) (RecBole)."],
        };
        output.Write(report.ToTable());
        CommonOptions.WriteReport(outFolder, report.ToMarkdown(), report.ToJson(), error);
        return CliApp.Success;
    }
}
