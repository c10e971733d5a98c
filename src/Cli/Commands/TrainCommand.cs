using System.Globalization;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys train --data &lt;spec&gt; --models gru4rec,sasrec --out artifacts/&lt;version&gt; [--set model.option=value]...</c>
/// Each model trains on every interaction but each user's last, stops early on those last ones (validation
/// ndcg@10, recorded in the manifest), then prepares scoring with the whole history, and is written to
/// <c>&lt;out&gt;/&lt;model&gt;/</c>. Rankers (lr, fm, ...) are trained as described at <see cref="TrainRanker"/>.
/// </summary>
internal static class TrainCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(
            args,
            ["--data", "--models", "--out", "--set", "--seed", "--device", "--min-rating", "--k-core"],
            ["--skip-bad-lines"],
            repeatable: ["--set"]);
        var models = arguments.Require("--models").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (models.Length == 0)
        {
            throw new UsageException("--models names no model");
        }
        var settings = ModelSettings.ParseAny(arguments.All("--set"), models);
        foreach (var name in models.Where(m => !RankerCatalog.Contains(m)))
        {
            if (RecommenderCatalog.Create(name, settings.GetValueOrDefault(name)) is not IArtifactModel)
            {
                var savable = RecommenderCatalog.Names.Where(n => RecommenderCatalog.Create(n) is IArtifactModel);
                throw new UsageException($"model '{name}' cannot be written as an artifact yet; models that can: {string.Join(", ", savable)}");
            }
        }
        var outFolder = arguments.Require("--out");
        if (File.Exists(outFolder))
        {
            throw new UsageException($"--out '{outFolder}' is a file; give a folder");
        }
        var seed = CommonOptions.Seed(arguments);
        var device = CommonOptions.Device(arguments);

        var dataset = DataLoading.Load(arguments, error);
        foreach (var name in models.Where(RankerCatalog.Contains))
        {
            TrainRanker(name, settings.GetValueOrDefault(name), dataset, seed, device, outFolder, output, error);
        }
        if (models.All(RankerCatalog.Contains))
        {
            return CliApp.Success;
        }
        var split = Splits.LeaveOneOut(dataset);
        var training = split.Train.Concat(split.Validation).ToArray();
        var matrix = new UserItemMatrix(dataset.UserCount, dataset.ItemCount, training);
        foreach (var name in models.Where(m => !RankerCatalog.Contains(m)))
        {
            var model = (IArtifactModel)RecommenderCatalog.Create(name, settings.GetValueOrDefault(name));
            using var progress = new ConsoleProgress(error, $"training {name}");
            model.Fit(matrix, new TrainingContext(seed, progress, device)
            {
                TrainingInteractions = training,
                Validation = split.Test,
                UserInfos = dataset.UserInfos,
                ItemInfos = dataset.ItemInfos,
            });
            var metrics = new Dictionary<string, double>();
            if (model.BestValidationNdcg is { } ndcg)
            {
                metrics["validation_ndcg@10"] = ndcg;
            }
            var folder = Path.Combine(outFolder, name);
            ModelArtifact.Save(folder, model, dataset, metrics);
            output.WriteLine($"{name}: wrote {folder} ({Describe(metrics)})");
            (model as IDisposable)?.Dispose();
        }
        return CliApp.Success;
    }

    /// <summary>
    /// A ranker trains on a random 90% of the interactions, stops early on the other 10% (validation AUC, recorded in
    /// the manifest) and is written with its feature map and encoded users and items to <c>&lt;out&gt;/&lt;model&gt;/</c>.
    /// </summary>
    private static string Describe(IReadOnlyDictionary<string, double> metrics) =>
        metrics.Count == 0 ? "no validation ran" : string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:0.0000}"));

    private static void TrainRanker(string name, IReadOnlyDictionary<string, string>? settings, InteractionDataset dataset, ulong seed, string device, string outFolder, TextWriter output, TextWriter error)
    {
        var labelling = CtrData.DefaultLabelling(dataset);
        var ctr = CtrData.Split(dataset, new CtrOptions { TrainRatio = 0.9, ValidationRatio = 0.1, Seed = seed, Labelling = labelling });
        using var ranker = RankerCatalog.Create(name, settings);
        using (var progress = new ConsoleProgress(error, $"training {name}"))
        {
            ranker.Fit(ctr.Train, ctr.Validation, new RankingContext(seed, progress, device));
        }
        var metrics = new Dictionary<string, double>();
        if (ranker.BestValidationAuc is { } auc)
        {
            metrics["validation_auc"] = auc;
        }
        var folder = Path.Combine(outFolder, name);
        RankerArtifact.Save(folder, ranker, ctr.Features, dataset, metrics);
        output.WriteLine($"{name}: wrote {folder} ({Describe(metrics)})");
    }
}

/// <summary>"--set model.option=value" parsing shared by eval and train.</summary>
internal static class ModelSettings
{
    /// <summary>Settings for recall models (<see cref="RecommenderCatalog"/>).</summary>
    public static Dictionary<string, Dictionary<string, string>> Parse(IReadOnlyList<string> values, IReadOnlyCollection<string> models) =>
        Parse(values, models, RecommenderCatalog.Contains, (m, s) => RecommenderCatalog.Create(m, s), RecommenderCatalog.Names);

    /// <summary>Settings for rankers (<see cref="RankerCatalog"/>).</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseRankers(IReadOnlyList<string> values, IReadOnlyCollection<string> models) =>
        Parse(values, models, RankerCatalog.Contains, (m, s) => RankerCatalog.Create(m, s).Dispose(), RankerCatalog.Names);

    /// <summary>Settings for a mix of recall models and rankers (recsys train).</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseAny(IReadOnlyList<string> values, IReadOnlyCollection<string> models) =>
        Parse(
            values,
            models,
            m => RecommenderCatalog.Contains(m) || RankerCatalog.Contains(m),
            (m, s) =>
            {
                if (RankerCatalog.Contains(m))
                {
                    RankerCatalog.Create(m, s).Dispose();
                }
                else
                {
                    _ = RecommenderCatalog.Create(m, s);
                }
            },
            [.. RecommenderCatalog.Names, .. RankerCatalog.Names]);

    private static Dictionary<string, Dictionary<string, string>> Parse(
        IReadOnlyList<string> values,
        IReadOnlyCollection<string> models,
        Func<string, bool> known,
        Action<string, Dictionary<string, string>> bind,
        IEnumerable<string> names)
    {
        var settings = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var value in values)
        {
            var dot = value.IndexOf('.', StringComparison.Ordinal);
            var eq = value.IndexOf('=', StringComparison.Ordinal);
            if (dot <= 0 || eq < dot + 2 || eq == value.Length - 1)
            {
                throw new UsageException($"--set '{value}' is not model.option=value (e.g. itemcf.k=200)");
            }
            var model = value[..dot];
            if (!models.Contains(model))
            {
                throw new UsageException($"--set '{value}' names model '{model}', which is not in --models ({string.Join(", ", models)})");
            }
            if (!settings.TryGetValue(model, out var perModel))
            {
                settings[model] = perModel = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
            perModel[value[(dot + 1)..eq]] = value[(eq + 1)..];
        }
        foreach (var model in models)
        {
            if (!known(model))
            {
                throw new UsageException($"unknown model '{model}'; known models: {string.Join(", ", names)}");
            }
        }
        // Bind now so a bad option fails before any training starts.
        foreach (var (model, perModel) in settings)
        {
            bind(model, perModel);
        }
        return settings;
    }
}
