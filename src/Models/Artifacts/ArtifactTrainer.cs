using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Models.Artifacts;

/// <summary>
/// Trains models on a whole dataset and writes them as artifacts into a version folder (<c>&lt;version&gt;/&lt;model&gt;/</c>),
/// the way <c>recsys train</c> and a silo that finds no artifacts both do.
/// </summary>
public static class ArtifactTrainer
{
    /// <summary>One model written: its folder and validation metrics.</summary>
    public sealed record TrainedModel(string Name, string Folder, IReadOnlyDictionary<string, double> Metrics);

    /// <summary>
    /// Trains <paramref name="models"/> (recall models from <see cref="RecommenderCatalog"/> that are
    /// <see cref="IArtifactModel"/>s, and rankers from <see cref="RankerCatalog"/>) into <paramref name="versionFolder"/>.
    /// A recall model trains on every interaction but each user's last, stops early on those last ones (validation
    /// ndcg@10), then keeps the whole history for scoring. A ranker learns from the lists the recall stage serves
    /// (<see cref="RankerTrainingLists"/>: the version's recall models and the local channels of
    /// <paramref name="pipeline"/>, at each subject's last interaction), and stops early on a tenth of the subjects
    /// (validation AUC).
    /// </summary>
    /// <param name="progress">Called with each model's name; returns the sink for its progress (or null).</param>
    public static IReadOnlyList<TrainedModel> Train(
        IReadOnlyList<string> models,
        IReadOnlyDictionary<string, Dictionary<string, string>> settings,
        InteractionDataset dataset,
        string versionFolder,
        ulong seed = 42,
        string device = "auto",
        Func<string, IProgress<TrainingProgress>?>? progress = null,
        CancellationToken cancellation = default,
        CandidatePipelineOptions? pipeline = null)
    {
        var written = new List<TrainedModel>();
        var recall = models.Where(m => !RankerCatalog.Contains(m)).ToList();
        var rankers = models.Where(RankerCatalog.Contains).ToList();
        var (known, held) = RankerTrainingLists.WithoutLastInteractions(dataset);
        var trained = new List<(string Name, IArtifactModel Model)>();
        try
        {
            if (recall.Count > 0)
            {
                var matrix = new UserItemMatrix(dataset.UserCount, dataset.ItemCount, known);
                foreach (var name in recall)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var model = RecommenderCatalog.Create(name, settings.GetValueOrDefault(name)) as IArtifactModel
                        ?? throw new ArgumentException($"model '{name}' cannot be written as an artifact", nameof(models));
                    trained.Add((name, model));
                    model.Fit(matrix, new TrainingContext(seed, progress?.Invoke(name), device, cancellation)
                    {
                        TrainingInteractions = known,
                        Validation = held,
                        UserInfos = dataset.UserInfos,
                        ItemInfos = dataset.ItemInfos,
                    });
                    var metrics = new Dictionary<string, double>();
                    if (model.BestValidationNdcg is { } ndcg)
                    {
                        metrics["validation_ndcg@10"] = ndcg;
                    }
                    var folder = Path.Combine(versionFolder, name);
                    ModelArtifact.Save(folder, model, dataset, metrics);
                    written.Add(new TrainedModel(name, folder, metrics));
                }
            }
            if (rankers.Count > 0)
            {
                var lists = RankerTrainingLists.Build(dataset, trained, pipeline ?? CandidatePipelineOptions.Default, new RankerTrainingListsOptions { Seed = seed }, progress?.Invoke("ranker lists"), cancellation);
                foreach (var name in rankers)
                {
                    cancellation.ThrowIfCancellationRequested();
                    written.Add(TrainRanker(name, settings.GetValueOrDefault(name), lists, dataset, seed, device, versionFolder, progress?.Invoke(name), cancellation));
                }
            }
        }
        finally
        {
            foreach (var (_, model) in trained)
            {
                (model as IDisposable)?.Dispose();
            }
        }
        return written;
    }

    private static TrainedModel TrainRanker(string name, IReadOnlyDictionary<string, string>? settings, CtrSplit lists, InteractionDataset dataset, ulong seed, string device, string versionFolder, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        if (lists.Train.Count == 0)
        {
            throw new InvalidOperationException($"no subject's last interaction is among its recall candidates in {dataset.Name}: nothing to train ranker '{name}' on");
        }
        using var ranker = RankerCatalog.Create(name, settings);
        ranker.Fit(lists.Train, lists.Validation, new RankingContext(seed, progress, device, cancellation));
        var metrics = new Dictionary<string, double>();
        if (ranker.BestValidationAuc is { } auc)
        {
            metrics["validation_auc"] = auc;
        }
        var folder = Path.Combine(versionFolder, name);
        RankerArtifact.Save(folder, ranker, lists.Features, dataset, metrics);
        return new TrainedModel(name, folder, metrics);
    }
}

/// <summary>
/// The versions under an artifacts folder: each subfolder holding at least one model folder with a
/// <c>manifest.json</c> is a version, named by its folder.
/// </summary>
public static class ArtifactVersions
{
    /// <summary>
    /// Trains <paramref name="train"/> into a new version under <paramref name="root"/> named after
    /// <paramref name="createdAt"/> (<c>v&lt;yyyyMMdd-HHmmss&gt;</c>): into a hidden folder first, renamed when
    /// complete, so no reader ever sees half a version. Returns the version's name.
    /// </summary>
    public static string TrainNew(
        string root,
        DateTimeOffset createdAt,
        IReadOnlyList<string> train,
        IReadOnlyDictionary<string, Dictionary<string, string>> settings,
        InteractionDataset dataset,
        string device,
        CandidatePipelineOptions pipeline,
        Func<string, IProgress<TrainingProgress>?>? progress = null,
        CancellationToken cancellation = default)
    {
        var version = "v" + createdAt.ToString("yyyyMMdd-HHmmss", System.Globalization.CultureInfo.InvariantCulture);
        var staging = Path.Combine(root, ".training-" + version);
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
        ArtifactTrainer.Train(train, settings, dataset, staging, device: device, progress: progress, cancellation: cancellation, pipeline: pipeline);
        Directory.Move(staging, Path.Combine(root, version));
        return version;
    }

    /// <summary>A version folder and the manifests of its models.</summary>
    public sealed record Version(string Name, string Folder, IReadOnlyList<(string Folder, ArtifactManifest Manifest)> Models, DateTimeOffset CreatedAt)
    {
        /// <summary>The data fingerprint every model shares, or null when they disagree.</summary>
        public string? DataFingerprint => Models.Select(m => m.Manifest.DataFingerprint).Distinct().SingleOrDefault();
    }

    /// <summary>Every readable version, newest first. Unreadable manifests are reported in <paramref name="problems"/>.</summary>
    public static IReadOnlyList<Version> List(string root, ICollection<string>? problems = null)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }
        var versions = new List<Version>();
        foreach (var folder in Directory.EnumerateDirectories(root))
        {
            // Hidden folders are versions still being written.
            if (Path.GetFileName(folder).StartsWith('.'))
            {
                continue;
            }
            if (Read(folder, problems) is { } version)
            {
                versions.Add(version);
            }
        }
        return [.. versions.OrderByDescending(v => v.CreatedAt).ThenByDescending(v => v.Name, StringComparer.Ordinal)];
    }

    /// <summary>The version in <paramref name="folder"/>, or null if it holds no readable model.</summary>
    public static Version? Read(string folder, ICollection<string>? problems = null)
    {
        var models = new List<(string, ArtifactManifest)>();
        if (!Directory.Exists(folder))
        {
            return null;
        }
        foreach (var modelFolder in Directory.EnumerateDirectories(folder).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(Path.Combine(modelFolder, "manifest.json")))
            {
                continue;
            }
            try
            {
                models.Add((modelFolder, ModelArtifact.ReadManifest(modelFolder)));
            }
            catch (Exception ex) when (ex is IOException or InvalidDataException or System.Text.Json.JsonException)
            {
                problems?.Add($"{modelFolder}: {ex.Message}");
            }
        }
        return models.Count == 0
            ? null
            : new Version(Path.GetFileName(folder), folder, models, models.Max(m => m.Item2.CreatedAt));
    }

    /// <summary>True if <paramref name="name"/> can name a version folder (letters, digits, '-', '_' and '.', not starting with '.').</summary>
    public static bool IsValidName(string name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 100 && !name.StartsWith('.')
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
