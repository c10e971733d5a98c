using System.Globalization;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys eval --protocol session --data &lt;spec&gt; [--models pop,spop,ar,sr,sknn,vsknn,gru4rec,sasrec] [--k 20]
/// [--exclude-seen] [--test-share 0.2 | --test-days N] [--ties pessimistic|optimistic] [--export-split &lt;folder&gt;] [--set model.option=value]...
/// [--seed 42] [--device auto|cpu|cuda] [--out &lt;folder&gt;]</c>: each dataset user is a session
/// (<see cref="SessionSplit"/>); every next item of every test session is predicted from its prefix
/// (<see cref="SessionEvaluator"/>).
/// </summary>
internal static class SessionEvalCommand
{
    public static int Run(Arguments arguments, TextWriter output, TextWriter error)
    {
        if (arguments.Optional("--sampled") is not null)
        {
            throw new UsageException("--sampled has no meaning for --protocol session (it ranks every training item)");
        }
        var models = (arguments.Optional("--models") ?? string.Join(',', SessionModelCatalog.Baselines))
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (models.Length == 0)
        {
            throw new UsageException($"--models names no model; session models: {string.Join(", ", SessionModelCatalog.Names)}");
        }
        foreach (var model in models)
        {
            if (!SessionModelCatalog.Contains(model))
            {
                throw new UsageException($"'{model}' is not a session model; session models: {string.Join(", ", SessionModelCatalog.Names)}");
            }
        }
        var settings = ModelSettings.ParseSession(arguments.All("--set"), models);
        var k = arguments.Int("--k", 20, 1, 1000);
        if (arguments.Optional("--test-share") is not null && arguments.Optional("--test-days") is not null)
        {
            throw new UsageException("give --test-share or --test-days, not both");
        }
        var splitOptions = new SessionSplitOptions
        {
            TestShare = TestShare(arguments),
            TestDays = arguments.Optional("--test-days") is null ? null : arguments.Int("--test-days", 1, 1, 100_000),
        };
        var ties = (arguments.Optional("--ties") ?? "pessimistic").ToLowerInvariant() switch
        {
            "pessimistic" => TieRule.Pessimistic,
            "optimistic" => TieRule.Optimistic,
            var other => throw new UsageException($"--ties must be pessimistic or optimistic; got '{other}'"),
        };
        var evaluationOptions = new SessionEvaluationOptions { K = k, ExcludeSeen = arguments.Has("--exclude-seen"), Ties = ties };
        var seed = CommonOptions.Seed(arguments);
        var device = CommonOptions.Device(arguments);
        var outFolder = CommonOptions.ReportFolder(arguments);
        var exportFolder = arguments.Optional("--export-split");

        InteractionDataset dataset;
        using (var loading = new ConsoleProgress(error, "loading"))
        {
            dataset = DataLoading.Load(arguments, error);
            loading.Report(new TrainingProgress(dataset.Name, 1));
        }
        var split = SessionSplit.Create(dataset, splitOptions);
        if (split.Train.Count == 0 || split.Test.Count == 0)
        {
            throw new UsageException(
                $"{split.Protocol} leaves {split.Train.Count:N0} training and {split.Test.Count:N0} test sessions in {dataset.Name} " +
                $"({dataset.UserCount:N0} sessions; {split.HeldOutSessions:N0} held out, {split.DroppedTestSessions:N0} of them left with fewer than 2 events " +
                "seen in training); use more data or another --test-share/--test-days");
        }
        if (exportFolder is not null)
        {
            try
            {
                split.Export(exportFolder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new UsageException($"--export-split '{exportFolder}' cannot be written: {ex.Message}");
            }
            error.WriteLine($"wrote {Path.Combine(exportFolder, "train.tsv")} and test.tsv (SessionId ItemId Time)");
        }
        var evaluator = new SessionEvaluator(split, evaluationOptions);
        var validation = split.Train.Validation;
        error.WriteLine($"{dataset.Name}: {dataset.UserCount:N0} sessions, {dataset.ItemCount:N0} items, {dataset.Interactions.Length:N0} events; {split.Protocol}");
        error.WriteLine($"train {split.Train.Count:N0} sessions ({split.Train.Events:N0} events); test {split.Test.Count:N0} of {split.HeldOutSessions:N0} held-out sessions " +
                        $"({split.DroppedTestEvents:N0} events with items unseen in training dropped, {split.DroppedTestSessions:N0} sessions left shorter than 2), " +
                        $"{evaluator.Predictions:N0} predictions; {(validation is null ? "no validation split" : validation.Description)}");

        var results = new List<EvaluationResult>();
        foreach (var name in models)
        {
            var model = SessionModelCatalog.Create(name, settings.GetValueOrDefault(name));
            try
            {
                using var training = new ConsoleProgress(error, $"training {name}");
                var context = new TrainingContext(seed, training, device);
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
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }

        var report = new EvalReport(dataset.Name, "session", split.Protocol, k, evaluator.Mode, evaluator.Predictions, results, Environment.CommandLine, evaluator.MetricNames)
        {
            Unit = "predictions",
            Notes =
            [
                $"Split: {split.Train.Count:N0} training sessions ({split.Train.Events:N0} events), {split.Test.Count:N0} test sessions " +
                $"({split.HeldOutSessions:N0} held out; {split.DroppedTestEvents:N0} events with items unseen in training and " +
                $"{split.DroppedTestSessions:N0} sessions left shorter than 2 dropped), {evaluator.Predictions:N0} predictions; " +
                (validation is null ? "no validation split." : $"{validation.Description}, used only by gru4rec and sasrec to choose their epochs."),
                "Every next item of every test session is predicted from its prefix; metrics average over predictions. Rank = 1 + the " +
                "training items with a higher score, or an equal score and at least the target's training popularity (ties never " +
                "flatter a model; the reference script adds 1e-9 x popularity instead). " +
                (evaluationOptions.ExcludeSeen ? "The prefix's items are excluded (a repeated target is a miss)." : "Repeats are scored: the target may be an item of the prefix."),
            ],
            Details = new Dictionary<string, object>
            {
                ["sessions"] = new
                {
                    train = split.Train.Count,
                    trainEvents = split.Train.Events,
                    heldOut = split.HeldOutSessions,
                    test = split.Test.Count,
                    droppedTestEvents = split.DroppedTestEvents,
                    droppedTestSessions = split.DroppedTestSessions,
                    validation = validation is null ? null : new { train = validation.Train.Count, validation = validation.Validation.Count },
                },
                ["excludeSeen"] = evaluationOptions.ExcludeSeen,
                ["candidateItems"] = evaluator.CandidateItems,
                ["commandLine"] = Environment.CommandLine,
            },
        };
        output.Write(report.ToTable());
        CommonOptions.WriteReport(outFolder, report.ToMarkdown(), report.ToJson(), error);
        return CliApp.Success;
    }

    /// <summary>--test-share: strictly between 0 and 1, 0.2 by default.</summary>
    private static double TestShare(Arguments arguments)
    {
        var text = arguments.Optional("--test-share") ?? "0.2";
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var share) && share is > 0 and < 1
            ? share
            : throw new UsageException($"--test-share must be a share between 0 and 1 (exclusive); got '{text}'");
    }
}
