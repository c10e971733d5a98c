using RecSys.Models.Artifacts;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys train --data &lt;spec&gt; --models gru4rec,sasrec --out artifacts/&lt;version&gt; [--set model.option=value]...</c>
/// Each model trains on every interaction but each user's last, stops early on those last ones (validation
/// ndcg@10, recorded in the manifest), then prepares scoring with the whole history, and is written to
/// <c>&lt;out&gt;/&lt;model&gt;/</c>. Rankers (lr, fm, ...) train on 90% of the labelled interactions and stop early on
/// the rest (<see cref="ArtifactTrainer"/>).
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
        // One bar per model, each closed when the next model starts (and at the end).
        ConsoleProgress? bar = null;
        try
        {
            var written = ArtifactTrainer.Train(models, settings, dataset, outFolder, seed, device, name =>
            {
                bar?.Dispose();
                return bar = new ConsoleProgress(error, $"training {name}");
            });
            bar?.Dispose();
            bar = null;
            foreach (var model in written)
            {
                output.WriteLine($"{model.Name}: wrote {model.Folder} ({Describe(model.Metrics)})");
            }
        }
        finally
        {
            bar?.Dispose();
        }
        return CliApp.Success;
    }

    private static string Describe(IReadOnlyDictionary<string, double> metrics) =>
        metrics.Count == 0 ? "no validation ran" : string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:0.0000}"));
}

/// <summary>"--set model.option=value" parsing shared by eval and train.</summary>
internal static class ModelSettings
{
    /// <summary>Settings for recall models (<see cref="RecommenderCatalog"/>).</summary>
    public static Dictionary<string, Dictionary<string, string>> Parse(IReadOnlyList<string> values, IReadOnlyCollection<string> models) =>
        Parse(values, models, RecommenderCatalog.Contains, (m, s) => RecommenderCatalog.Create(m, s), RecommenderCatalog.Names);

    /// <summary>Settings for session models (<see cref="SessionModelCatalog"/>).</summary>
    public static Dictionary<string, Dictionary<string, string>> ParseSession(IReadOnlyList<string> values, IReadOnlyCollection<string> models) =>
        Parse(values, models, SessionModelCatalog.Contains, (m, s) => (SessionModelCatalog.Create(m, s) as IDisposable)?.Dispose(), SessionModelCatalog.Names);

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
