using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Grains.Serving;

/// <summary>
/// Loads an artifact version folder (<c>&lt;artifacts&gt;/&lt;version&gt;/&lt;model&gt;/</c>) into a
/// <see cref="ServingModelSet"/>: each recall model named in <see cref="ServingOptions.Channels"/> becomes a
/// vector channel, and the ranker named by <see cref="ServingOptions.Ranker"/> (else the version's first ranker) ranks. The models must share one item vocabulary.
/// </summary>
public sealed class ServingModelLoader(string artifactsFolder, ItemCfModel itemCf, InteractionDataset dataset, ServingOptions options, TimeProvider clock, SessionKnnModel? sessionKnn = null)
{
    public string ArtifactsFolder { get; } = artifactsFolder;

    public ServingModelSet Load(string version)
    {
        if (!ArtifactVersions.IsValidName(version))
        {
            throw new ArgumentException($"'{version}' is not a version name (letters, digits, '-', '_', '.')", nameof(version));
        }
        var problems = new List<string>();
        var found = ArtifactVersions.Read(Path.Combine(ArtifactsFolder, version), problems)
            ?? throw new DirectoryNotFoundException($"no model version '{version}' under {ArtifactsFolder}{(problems.Count > 0 ? ": " + string.Join("; ", problems) : "")}");
        var vectors = new List<VectorModel>();
        RankerModel? ranker = null;
        IdVocabulary? items = null;
        try
        {
            foreach (var (folder, manifest) in found.Models)
            {
                if (manifest.Stage == ArtifactStages.Recall)
                {
                    if (!options.ChannelList.Contains(manifest.Model, StringComparer.Ordinal))
                    {
                        continue;
                    }
                    var (_, model, _, modelItems) = ModelArtifact.Load(folder);
                    // Builds the scoring caches (item vectors); users' histories are live in the grains, not here.
                    model.UseHistories(UserSequences.From(manifest.Users, []));
                    items = SameItems(items, modelItems, folder);
                    var vector = new VectorModel(manifest.Model, model, modelItems).BindTo(itemCf.Items);
                    vectors.Add(vector);
                    if (vector.ItemVectors.Length != (long)modelItems.Count * vector.Dimension)
                    {
                        throw new InvalidDataException($"{folder}: {manifest.Model} gives {vector.ItemVectors.Length} item vector components for {modelItems.Count} items of size {vector.Dimension}");
                    }
                }
            }
            // The configured ranker if the version has it, else its first ranker (in folder order).
            var rankers = options.RanksWithoutRanker ? [] : found.Models.Where(m => m.Manifest.Stage == ArtifactStages.Ranking).ToList();
            if (rankers.Count > 0)
            {
                var (folder, manifest) = rankers.FirstOrDefault(m => m.Manifest.Model == options.Ranker, rankers[0]);
                var (_, model, features, users, rankerItems) = RankerArtifact.Load(folder, options.Device);
                var scorers = new List<CandidateScorer> { new(model, features) };
                try
                {
                    // One network per ranking worker; the features (the large part) are shared, read-only.
                    for (var worker = 1; worker < options.RankConcurrency; worker++)
                    {
                        var copy = RankerCatalog.Create(manifest.Model, manifest.Options);
                        scorers.Add(new CandidateScorer(copy, features));
                        copy.Load(folder, options.Device);
                    }
                }
                catch
                {
                    scorers.ForEach(s => s.Ranker.Dispose());
                    throw;
                }
                var task = features.Map.Tasks.ToList().IndexOf(options.RankTask);
                ranker = new RankerModel(manifest.Model, scorers, users, rankerItems) { Task = Math.Max(0, task) };
                if (ranker.CandidateFeatures is { } described && !described.Names.SequenceEqual(features.Map.CandidateFeatureNames))
                {
                    throw new InvalidDataException($"{folder}: the ranker's candidate features are not in the order serving computes them");
                }
                items = SameItems(items, rankerItems, folder);
            }
        }
        catch
        {
            new ServingModelSet(version, itemCf, vectors, ranker, dataset.Name, dataset.Fingerprint, clock.GetUtcNow()).Dispose();
            throw;
        }
        var set = new ServingModelSet(version, itemCf, vectors, ranker, dataset.Name, dataset.Fingerprint, clock.GetUtcNow())
        {
            SessionKnn = sessionKnn,
            Subjects = dataset.Users,
        };
        WarmUp(set);
        return set;
    }

    /// <summary>
    /// Runs each network once so the first real request does not pay for JIT compilation and libtorch's lazy
    /// initialisation (hundreds of milliseconds, longer than the ranking deadline).
    /// </summary>
    private void WarmUp(ServingModelSet set)
    {
        foreach (var vector in set.Vectors)
        {
            _ = vector.UserVector([0]);
        }
        if (set.Ranker is { } ranker)
        {
            var candidates = Enumerable.Range(0, Math.Min(64, ranker.Items.Count)).ToArray();
            foreach (var scorer in ranker.Scorers)
            {
                _ = scorer.Score(new RankingRequest(
                    scorer.Features.User(-1),
                    [0],
                    candidates,
                    clock.GetUtcNow().ToUnixTimeSeconds(),
                    [0],
                    [],
                    ranker.NeedsRecallScores ? new float[candidates.Length] : null,
                    ranker.CandidateFeatures is { } features ? new float[candidates.Length * features.Names.Count] : null));
            }
        }
    }

    private static IdVocabulary SameItems(IdVocabulary? known, IdVocabulary next, string folder)
    {
        if (known is null)
        {
            return next;
        }
        if (known.Count != next.Count || !known.Ids.SequenceEqual(next.Ids, StringComparer.Ordinal))
        {
            throw new InvalidDataException($"{folder}: its items differ from the other models of the version; train a version's models on one dataset");
        }
        return known;
    }
}
