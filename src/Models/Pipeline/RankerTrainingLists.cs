using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Models.Pipeline;

/// <summary>Options of <see cref="RankerTrainingLists"/>.</summary>
public sealed record RankerTrainingListsOptions
{
    /// <summary>(double) Share of the subjects whose lists are held out for the ranker's early stopping.</summary>
    public double ValidationShare { get; init; } = 0.1;

    /// <summary>
    /// (int) Candidates not picked kept per list (a random sample; the picked one always stays): a pointwise ranker
    /// learns the order from fewer rows, and memory stays bounded on many subjects. 0 keeps every candidate.
    /// </summary>
    public int NegativesPerList { get; init; } = 50;

    /// <summary>(ulong) Seed of the validation subjects and of the negative sample.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>(FeatureMapOptions) The ranker's other features; user identity and statistics are off (see <see cref="FeatureMapOptions.UserFeatures"/>).</summary>
    public FeatureMapOptions Features { get; init; } = new() { UserFeatures = false };
}

/// <summary>
/// The ranker's training data as serving will present it: for every subject (user, or session) with at least two
/// interactions, the recall stage runs on its history without its last interaction — with recall models and local data
/// (ItemCF, popular items) that never saw those last interactions — and the merged candidate list becomes the
/// ranker's examples, labelled by whether the candidate is that last item ("click"; and "like" when the data has
/// ratings: the last item rated at least 4). The lists come from <see cref="CandidateRequest"/>, the code serving runs,
/// with repeats allowed (the history channel on, as for sessions): the ranker learns from the data how often a subject
/// comes back to its own items. Lists without the picked item teach no order and are dropped. Vector channels search
/// the catalogue exactly; serving's HNSW shards approximate that search.
/// </summary>
public static class RankerTrainingLists
{
    /// <summary>
    /// Builds the lists. <paramref name="vectorModels"/> must have been trained on <see cref="WithoutLastInteractions"/>
    /// of <paramref name="dataset"/> (as <see cref="ArtifactTrainer"/> trains recall models) and index items like it.
    /// </summary>
    public static CtrSplit Build(
        InteractionDataset dataset,
        IReadOnlyList<(string Name, IArtifactModel Model)> vectorModels,
        CandidatePipelineOptions pipeline,
        RankerTrainingListsOptions? options = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellation = default)
    {
        options ??= new RankerTrainingListsOptions();
        var byUser = dataset.InteractionsByUser();
        var (known, held) = WithoutLastInteractions(dataset);
        var explicitRatings = dataset.Interactions.Any(i => i.Rating != 1f);
        var likeThreshold = new CtrOptions().LikeThreshold;

        // Local data from what the subjects did before their last interactions only.
        var knownDataset = new InteractionDataset(dataset.Name, dataset.Users, dataset.Items, dataset.UserInfos, dataset.ItemInfos, known);
        var local = new LocalRecallData(
            ItemCfModel.Build(knownDataset),
            PopularityModel.Build(knownDataset).Top(pipeline.PopularList),
            pipeline.Channels.Contains(ChannelNames.SessionKnn) ? LocalRecallData.BuildSessionKnn(knownDataset) : null);

        // The ranker's own features (vocabularies, statistics) from the same known part; its rows are built below.
        var basis = CtrData.Build(knownDataset, known, [], [], new CtrOptions
        {
            Labelling = explicitRatings ? CtrLabelling.ClickAndLike : CtrLabelling.Implicit,
            NegativesPerPositive = 0,
            Seed = options.Seed,
            Known = known,
            Features = options.Features,
        });
        // The channels that produce lists here, as they will when serving: the local ones and the version's vector models.
        var channels = pipeline.Channels.Where(c => CandidateRequest.IsLocal(c, local) || vectorModels.Any(v => v.Name == c)).ToList();
        var candidateFeatures = new CandidateFeatures(channels);
        var map = basis.Features.Map with
        {
            Features = [.. basis.Features.Map.Features, .. candidateFeatures.Names.Select(n => new DenseFeature(n))],
        };
        var features = new RankingFeatures(map, basis.Features.Users, basis.Features.Items);
        var histories = new UserHistories(dataset.UserCount, known);

        // Query vectors one subject at a time (a network serialises its passes anyway), then the lists in parallel.
        var subjects = held.Select(i => i.User).ToArray();
        var queries = new Dictionary<string, float[][]>();
        foreach (var (name, model) in vectorModels.Where(v => channels.Contains(v.Name)))
        {
            var vectors = new float[subjects.Length][];
            for (var n = 0; n < subjects.Length; n++)
            {
                cancellation.ThrowIfCancellationRequested();
                // As serving asks: from the history alone (a session, or a user the model may not know).
                vectors[n] = model.UserVector(Tail(byUser[subjects[n]], pipeline.MaxHistory).Select(i => i.Item).ToArray());
            }
            queries[name] = vectors;
        }

        var lists = new (List<Candidate> Candidates, float[] Features)?[subjects.Length];
        var done = 0;
        Parallel.For(0, subjects.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount), CancellationToken = cancellation }, n =>
        {
            var user = subjects[n];
            var history = ToHistory(Tail(byUser[user], pipeline.MaxHistory), explicitRatings);
            var excluded = LocalChannels.Excluded(history, allowRepeats: true);
            Func<int, bool> exclude = excluded.Contains;
            // The subject's own session is in the session kNN's data; serving a known user skips it the same way.
            var channelLists = CandidateRequest.LocalLists(pipeline, local, history, allowRepeats: true, exclude, self: user);
            foreach (var (name, model) in vectorModels)
            {
                if (queries.TryGetValue(name, out var vectors))
                {
                    channelLists.Add(LocalChannels.ExactVector(name, vectors[n], dataset.ItemCount, model.ScoreItems, pipeline.ChannelQuota, exclude));
                }
            }
            var ordered = CandidateRequest.InPriorityOrder(pipeline, channelLists);
            var candidates = CandidateRequest.Merge(pipeline, ordered);
            if (candidates.Any(c => c.Item == held[n].Item))
            {
                lists[n] = (candidates, candidateFeatures.Compute([.. candidates.Select(c => c.Item)], ordered, history));
            }
            if (Interlocked.Increment(ref done) % 256 == 0)
            {
                progress?.Report(new TrainingProgress("ranker lists", done / (double)subjects.Length));
            }
        });

        var train = new CtrDatasetBuilder(map);
        var valid = new CtrDatasetBuilder(map);
        var random = new DeterministicRandom(options.Seed ^ 0x11575EEDul);
        var width = candidateFeatures.Names.Count;
        Span<float> labels = stackalloc float[map.Tasks.Count];
        for (var n = 0; n < subjects.Length; n++)
        {
            var toValidation = random.NextDouble() < options.ValidationShare;
            if (lists[n] is not var (candidates, values))
            {
                continue;
            }
            var user = subjects[n];
            var target = held[n];
            var time = target.Timestamp;
            var history = histories.Before(user, long.MaxValue);
            var liked = histories.LikedBefore(user, long.MaxValue, likeThreshold);
            var disliked = histories.DislikedBefore(user, long.MaxValue, likeThreshold);
            var builder = toValidation ? valid : train;
            var keep = KeptRows(candidates, target.Item, options.NegativesPerList, random);
            foreach (var k in keep)
            {
                var picked = candidates[k].Item == target.Item;
                labels.Clear();
                labels[0] = picked ? 1 : 0;
                if (labels.Length > 1)
                {
                    labels[1] = picked && target.Rating >= likeThreshold ? 1 : 0;
                }
                builder.Add(features.Users[user], features.Items[candidates[k].Item], time, history, labels, user,
                    liked: liked, disliked: disliked, candidate: values.AsSpan(k * width, width));
            }
        }
        var trainRows = train.Build();
        var scaled = map.WithDenseScaling(trainRows);
        progress?.Report(new TrainingProgress("ranker lists", 1));
        return new CtrSplit(
            "ranker lists (recall at each subject's last interaction)",
            trainRows.WithMap(scaled),
            valid.Build().WithMap(scaled),
            new CtrDatasetBuilder(scaled).Build(),
            new RankingFeatures(scaled, features.Users, features.Items));
    }

    /// <summary>
    /// Every interaction but each subject's last (by time), and those last ones (one per subject with at least two
    /// interactions, in subject order): what recall models train on when a ranker learns from their lists.
    /// </summary>
    public static (Interaction[] Known, Interaction[] Held) WithoutLastInteractions(InteractionDataset dataset)
    {
        var known = new List<Interaction>(dataset.Interactions.Length);
        var held = new List<Interaction>();
        foreach (var events in dataset.InteractionsByUser())
        {
            if (events.Length < 2)
            {
                known.AddRange(events);
                continue;
            }
            known.AddRange(events.AsSpan(0, events.Length - 1));
            held.Add(events[^1]);
        }
        return ([.. known], [.. held]);
    }

    /// <summary>A subject's interactions as the pipeline's history (the serving side maps events the same way).</summary>
    public static HistoryEvent[] ToHistory(IReadOnlyList<Interaction> interactions, bool explicitRatings)
    {
        var history = new HistoryEvent[interactions.Count];
        for (var n = 0; n < history.Length; n++)
        {
            var i = interactions[n];
            // A dataset interaction is served as a rating (explicit data; not repeatable) or a view (repeatable).
            history[n] = new HistoryEvent(i.Item, InteractionWeights.OfDataset(i.Rating, explicitRatings), Repeatable: !explicitRatings);
        }
        return history;
    }

    /// <summary>The subject's interactions before its last one, at most <paramref name="max"/> of the newest.</summary>
    private static Interaction[] Tail(Interaction[] events, int max)
    {
        var before = events.AsSpan(0, Math.Max(0, events.Length - 1));
        return before.Length > max ? before[^max..].ToArray() : before.ToArray();
    }

    private static IEnumerable<int> KeptRows(List<Candidate> candidates, int picked, int negatives, DeterministicRandom random)
    {
        var others = Enumerable.Range(0, candidates.Count).Where(k => candidates[k].Item != picked).ToArray();
        if (negatives > 0 && others.Length > negatives)
        {
            random.Shuffle(others);
            others = others[..negatives];
        }
        return Enumerable.Range(0, candidates.Count).Where(k => candidates[k].Item == picked || others.Contains(k));
    }
}
