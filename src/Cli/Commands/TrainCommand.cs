using System.Globalization;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys train --data &lt;spec&gt; --models gru4rec,sasrec --out artifacts/&lt;version&gt; [--set model.option=value]...</c>
/// Each model trains on every interaction but each user's last, stops early on those last ones (validation
/// ndcg@10, recorded in the manifest), then prepares scoring with the whole history, and is written to
/// <c>&lt;out&gt;/&lt;model&gt;/</c>.
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
        var settings = ModelSettings.Parse(arguments.All("--set"), models);
        foreach (var name in models)
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
        var seedText = arguments.Optional("--seed") ?? "42";
        if (!ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var seed))
        {
            throw new UsageException($"--seed must be a non-negative integer; got '{seedText}'");
        }
        var device = arguments.Optional("--device") ?? "auto";

        var dataset = DataLoading.Load(arguments, error);
        var split = Splits.LeaveOneOut(dataset);
        var training = split.Train.Concat(split.Validation).ToArray();
        var matrix = new UserItemMatrix(dataset.UserCount, dataset.ItemCount, training);
        foreach (var name in models)
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
            output.WriteLine($"{name}: wrote {folder} ({string.Join(", ", metrics.Select(m => $"{m.Key} {m.Value:0.0000}"))})");
            (model as IDisposable)?.Dispose();
        }
        return CliApp.Success;
    }
}

/// <summary>"--set model.option=value" parsing shared by eval and train.</summary>
internal static class ModelSettings
{
    public static Dictionary<string, Dictionary<string, string>> Parse(IReadOnlyList<string> values, IReadOnlyCollection<string> models)
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
            if (!RecommenderCatalog.Contains(model))
            {
                throw new UsageException($"unknown model '{model}'; known models: {string.Join(", ", RecommenderCatalog.Names)}");
            }
        }
        // Bind now so a bad option fails before any training starts.
        foreach (var (model, perModel) in settings)
        {
            _ = RecommenderCatalog.Create(model, perModel);
        }
        return settings;
    }
}
