using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// The request path, orchestration only: reads the live history (user or session) with its query vectors, runs the
/// recall channels in parallel under one deadline — ANN over each vector model (fanned out to every recall shard of
/// the version) while the local channels (the subject's own items where repeats are allowed, ItemCF, popularity) run
/// here — then merges, describes every candidate (<see cref="CandidateFeatures"/>) and has the ranker order them. What
/// a channel does, how lists merge and what the ranker reads are <c>RecSys.Models.Pipeline</c>'s, the same code the
/// ranker's training lists come from. Excluded and blocked items are dropped inside each channel, so they never take
/// up its quota; blocked ones are dropped again before the merge, in case a shard ran on a silo whose copy of the
/// blocked items had not caught up yet. A channel (or the ranker) that fails or misses its deadline degrades the
/// answer, never fails it. Stateless and reentrant: many requests share one activation while they wait on other grains.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class RecommenderGrain(
    ServingModels models,
    BlockedItems blockedItems,
    IOptions<ServingOptions> options,
    TimeProvider clock) : Grain, IRecommenderGrain
{
    /// <summary>The name a failed or late ranker has in <see cref="Recommendations.Degraded"/>.</summary>
    public const string RankerStage = "ranker";

    private readonly ServingOptions _options = options.Value;
    private readonly CandidatePipelineOptions _pipeline = options.Value.Pipeline;
    // The channels computed here from the history (popularity joins once the trending list is in).
    private readonly CandidatePipelineOptions _localPipeline = options.Value.Pipeline with
    {
        Channels = [.. options.Value.Pipeline.Channels.Where(c => c != Channels.Popularity)],
    };
    private ImmutableArray<PopularItem> _popular = [];
    private int _popularRequested;
    private DateTimeOffset _popularAt;

    public async Task<ImmutableArray<RecommendedItem>> RecommendAsync(string userId, int count) =>
        (await RecommendAsync(new RecommendQuery(SubjectKind.User, userId, count))).Items;

    public async Task<Recommendations> RecommendAsync(RecommendQuery query)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Count);
        IHistoryGrain subject = query.Kind == SubjectKind.Session
            ? GrainFactory.GetGrain<ISessionGrain>(query.Id)
            : GrainFactory.GetGrain<IUserGrain>(query.Id);
        var snapshot = await subject.GetSnapshotAsync();
        var set = await ModelsFor(snapshot);
        // Once per request: every channel and the merge filter by the same version.
        var blocked = blockedItems.Current;
        // Enough popular items to fill the list even if the subject has seen many of them or many are blocked.
        var popularTask = Timed(Channels.Popularity, GetPopularAsync(_pipeline.PopularList + query.Count + snapshot.Seen.Length + blocked.Count));
        var allowRepeats = query.Repeats ?? (query.Kind == SubjectKind.Session ? _options.SessionRepeats : _options.UserRepeats);
        var excludedIds = ExcludedIds(snapshot, allowRepeats, query.Exclude);
        var degraded = ImmutableArray.CreateBuilder<string>();

        List<ChannelHits> ordered = [];
        List<Candidate> candidates = [];
        List<(Candidate Item, double? RankScore)> ranked = [];
        string? rankerName = null;
        IdVocabulary? items = set?.Items;
        HistoryEvent[] history = [];
        if (set is not null)
        {
            items = set.Items;
            history = History(snapshot.Recent, set.Items);
            // Without repeats every seen item is out, also those older than the recent history the pipeline reads.
            var alsoExcluded = (allowRepeats ? [] : snapshot.Seen.AsEnumerable()).Concat(query.Exclude.IsDefaultOrEmpty ? [] : query.Exclude)
                .Select(id => set.Items.TryGetIndex(id, out var i) ? i : -1).Where(i => i >= 0);
            var excluded = LocalChannels.Excluded(history, allowRepeats, alsoExcluded);
            var blockedIndexes = blocked.IndexesIn(set.Items);
            Func<int, bool> exclude = blockedIndexes.Count == 0 ? excluded.Contains : i => excluded.Contains(i) || blockedIndexes.Contains(i);

            // Vector channels search the recall shards while the local channels run here.
            var vectorTasks = history.Length > 0 ? VectorChannels(set, snapshot, excluded) : [];
            var started = Stopwatch.GetTimestamp();
            // A user of the loaded data is one of the session kNN's sessions: never its own neighbour.
            var self = query.Kind == SubjectKind.User && set.Subjects is { } subjects && subjects.TryGetIndex(query.Id, out var u) ? u : -1;
            var local = CandidateRequest.LocalLists(_localPipeline, new LocalRecallData(set.ItemCf, [], set.SessionKnn), history, allowRepeats, exclude, self);
            var localSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            foreach (var list in local)
            {
                GrainMetrics.RecallSeconds.Record(localSeconds, Outcome(list.Channel, "ok"));
            }
            await Task.WhenAny(Task.WhenAll(vectorTasks.Select(v => (Task)v.Task).Append(popularTask)), Task.Delay(_options.ChannelTimeout));
            if (!popularTask.IsCompleted && local.Count == 0 && vectorTasks.All(v => !v.Task.IsCompletedSuccessfully))
            {
                // Nothing else can answer (no history): an empty list is worse than a late one, so trending gets the
                // ranking deadline too (a cold trending grain on a busy silo can take longer than a channel may).
                await Task.WhenAny(popularTask, Task.Delay(_options.RankTimeout));
            }

            var lists = new List<ChannelHits>();
            foreach (var (name, task) in vectorTasks)
            {
                if (task.IsCompletedSuccessfully)
                {
                    lists.Add(WithoutBlocked(task.Result, blockedIndexes));
                }
                else
                {
                    Degrade(name, task, degraded);
                }
            }
            lists.AddRange(local);
            if (popularTask.IsCompletedSuccessfully && _pipeline.Channels.Contains(Channels.Popularity))
            {
                var popular = Known(popularTask.Result, set.Items);
                lists.Add(LocalChannels.Popularity(popular, _pipeline.PopularityQuota, exclude));
            }
            ordered = CandidateRequest.InPriorityOrder(_pipeline, lists);
            candidates = CandidateRequest.Merge(_pipeline, ordered, query.Count);
            GrainMetrics.RequestCandidates.Record(candidates.Count);

            if (set.Ranker is not null && history.Length > 0 && candidates.Count > 0)
            {
                var result = await RankAsync(set, query, snapshot, candidates, ordered, history);
                if (result is { } r)
                {
                    rankerName = r.Ranker;
                    ranked = r.Ordered;
                }
                else
                {
                    degraded.Add(RankerStage);
                }
            }
            if (rankerName is null)
            {
                ranked = [.. CandidateOrder.WithoutRanker(candidates).Select(c => (c, (double?)null))];
            }
        }
        if (set is null)
        {
            // No models yet: trending is the whole answer.
            await Task.WhenAny(popularTask, Task.Delay(_options.ChannelTimeout + _options.RankTimeout));
        }
        if (!popularTask.IsCompletedSuccessfully)
        {
            Degrade(Channels.Popularity, popularTask, degraded);
        }

        var answer = ImmutableArray.CreateBuilder<RecommendedItem>(query.Count);
        var given = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (c, rankScore) in ranked)
        {
            if (answer.Count == query.Count)
            {
                break;
            }
            var id = items![c.Item];
            given.Add(id);
            answer.Add(new RecommendedItem(id, rankScore ?? c.Score, c.Channel, c.Score, rankScore));
        }
        // A list the candidates cannot fill (a long one, a subject with little history, items no model knows yet,
        // or no models serving) is filled with the next trending items, after the rest.
        if (answer.Count < query.Count && popularTask.IsCompletedSuccessfully)
        {
            foreach (var item in popularTask.Result)
            {
                if (answer.Count == query.Count)
                {
                    break;
                }
                if (!excludedIds.Contains(item.ItemId) && !blocked.Contains(item.ItemId) && given.Add(item.ItemId))
                {
                    answer.Add(new RecommendedItem(item.ItemId, item.Score, Channels.Popularity, item.Score));
                }
            }
        }
        var recommended = answer.ToImmutable();
        Report(recommended);
        return new Recommendations(set?.Version, rankerName, recommended, degraded.ToImmutable(), candidates.Count);
    }

    public Task<ImmutableArray<RecommendedItem>> SimilarItemsAsync(string itemId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var active = models.Current;
        if (active is null || !active.ItemCf.Items.TryGetIndex(itemId, out var index))
        {
            return Task.FromResult(ImmutableArray<RecommendedItem>.Empty);
        }
        var itemCf = active.ItemCf;
        var blocked = blockedItems.Current.IndexesIn(itemCf.Items);
        var neighbours = itemCf.Neighbours(index);
        var similar = ImmutableArray.CreateBuilder<RecommendedItem>(Math.Min(count, neighbours.Length));
        foreach (var neighbour in neighbours)
        {
            if (similar.Count == count)
            {
                break;
            }
            if (!blocked.Contains(neighbour.Item))
            {
                similar.Add(new RecommendedItem(itemCf.Items[neighbour.Item], neighbour.Score, Channels.ItemCf, neighbour.Score));
            }
        }
        return Task.FromResult(similar.ToImmutable());
    }

    /// <summary>
    /// The subject's events as the pipeline reads them: item indices of the serving vocabulary (−1 for items it lacks),
    /// positive weights and whether each may be recommended again (views, clicks and likes may; ratings, purchases and
    /// skips may not).
    /// </summary>
    internal static HistoryEvent[] History(ImmutableArray<UserEvent> recent, IdVocabulary items)
    {
        var history = new HistoryEvent[recent.Length];
        for (var n = 0; n < history.Length; n++)
        {
            var e = recent[n];
            history[n] = new HistoryEvent(
                items.TryGetIndex(e.ItemId, out var item) ? item : -1,
                (float)EventWeights.Of(e),
                e.Type is EventType.View or EventType.Click or EventType.Like);
        }
        return history;
    }

    /// <summary>Ids the answer may not hold whatever the vocabulary: seen items (all, or the non-repeatable ones) and the request's exclusions.</summary>
    private static HashSet<string> ExcludedIds(UserSnapshot snapshot, bool allowRepeats, ImmutableArray<string> exclude)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        if (!allowRepeats)
        {
            ids.UnionWith(snapshot.Seen);
        }
        else
        {
            foreach (var e in snapshot.Recent)
            {
                if (e.Type is not (EventType.View or EventType.Click or EventType.Like))
                {
                    ids.Add(e.ItemId);
                }
            }
        }
        if (!exclude.IsDefaultOrEmpty)
        {
            ids.UnionWith(exclude);
        }
        return ids;
    }

    /// <summary>
    /// The models matching the snapshot's vectors: the history grain may live on a silo that switched versions a
    /// moment before or after this one. Falls back to this silo's current models (the vectors are then recomputed).
    /// </summary>
    private async Task<ServingModelSet?> ModelsFor(UserSnapshot snapshot)
    {
        var current = models.Current;
        if (current is null || snapshot.ModelVersion is not { } version || version == current.Version || !models.Holds(version))
        {
            return current;
        }
        return await models.GetAsync(version);
    }

    private List<(string Name, Task<ChannelHits> Task)> VectorChannels(ServingModelSet set, UserSnapshot snapshot, HashSet<int> excluded)
    {
        var channels = new List<(string, Task<ChannelHits>)>();
        if (set.Vectors.Count == 0)
        {
            return channels;
        }
        var sameVersion = snapshot.ModelVersion == set.Version;
        var shards = _options.RecallShards;
        // One call per shard carries the queries of every vector channel.
        var perShard = new List<ShardQuery>[shards];
        for (var s = 0; s < shards; s++)
        {
            perShard[s] = [];
        }
        var queries = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var model in set.Vectors)
        {
            var vector = (sameVersion ? snapshot.Vector(model.Name) : null)
                ?? model.UserVector(LiveVectors.History(model.Items, snapshot.Recent));
            queries[model.Name] = vector;
            var exclude = new List<int>[shards];
            foreach (var servingIndex in excluded)
            {
                var index = model.FromServing(servingIndex);
                if (index >= 0)
                {
                    (exclude[index % shards] ??= []).Add(index);
                }
            }
            for (var s = 0; s < shards; s++)
            {
                perShard[s].Add(new ShardQuery(model.Name, vector, _pipeline.ChannelQuota, exclude[s] is { } e ? [.. e] : []));
            }
        }
        var fanOut = FanOut(set, perShard);
        foreach (var model in set.Vectors)
        {
            channels.Add((model.Name, Timed(model.Name, Pick(fanOut, model, queries[model.Name]))));
        }
        return channels;
    }

    private async Task<ImmutableArray<ShardHits>[]> FanOut(ServingModelSet set, List<ShardQuery>[] queries)
    {
        var calls = new Task<ImmutableArray<ShardHits>>[queries.Length];
        for (var s = 0; s < queries.Length; s++)
        {
            calls[s] = GrainFactory.GetGrain<IRecallShardGrain>(RecallShardKeys.Of(set.Version, s, queries.Length)).SearchAsync([.. queries[s]]);
        }
        return await Task.WhenAll(calls);
    }

    /// <summary>The best <see cref="ServingOptions.ChannelQuota"/> hits of one channel over all shards, as serving indices.</summary>
    private async Task<ChannelHits> Pick(Task<ImmutableArray<ShardHits>[]> fanOut, VectorModel model, float[] query)
    {
        var merged = new List<ScoredItem>();
        foreach (var shard in await fanOut)
        {
            foreach (var hits in shard)
            {
                if (hits.Channel != model.Name)
                {
                    continue;
                }
                for (var n = 0; n < hits.Items.Length; n++)
                {
                    var item = model.ToServing(hits.Items[n]);
                    if (item >= 0)
                    {
                        merged.Add(new ScoredItem(item, hits.Scores[n]));
                    }
                }
            }
        }
        merged.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Item.CompareTo(b.Item));
        return new ChannelHits(model.Name, [.. merged.Take(_pipeline.ChannelQuota)], model.ScorerFor(query));
    }

    /// <summary>The popular items the serving vocabulary holds, as its indices, best first.</summary>
    private static List<ScoredItem> Known(ImmutableArray<PopularItem> popular, IdVocabulary items)
    {
        var known = new List<ScoredItem>(popular.Length);
        foreach (var p in popular)
        {
            if (items.TryGetIndex(p.ItemId, out var i))
            {
                known.Add(new ScoredItem(i, (float)p.Score));
            }
        }
        return known;
    }

    /// <summary>
    /// The safety net behind the shards' own filtering: a shard on another silo may have searched with an older copy
    /// of the blocked items.
    /// </summary>
    private static ChannelHits WithoutBlocked(ChannelHits hits, IReadOnlySet<int> blocked)
    {
        if (blocked.Count == 0)
        {
            return hits;
        }
        var kept = hits.Hits.Where(h => !blocked.Contains(h.Item)).ToList();
        var dropped = hits.Hits.Count - kept.Count;
        if (dropped == 0)
        {
            return hits;
        }
        GrainMetrics.BlockedItemsDropped.Add(dropped);
        return hits with { Hits = kept };
    }

    private async Task<(string Ranker, List<(Candidate Item, double? RankScore)> Ordered)?> RankAsync(
        ServingModelSet set, RecommendQuery query, UserSnapshot snapshot, List<Candidate> candidates, List<ChannelHits> lists, HistoryEvent[] history)
    {
        var ranker = set.Ranker!;
        var features = ranker.CandidateFeatures is { } describe
            ? describe.Compute([.. candidates.Select(c => c.Item)], lists, history)
            : null;
        var rankQuery = new RankQuery(
            set.Version,
            query.Kind == SubjectKind.User ? query.Id : null,
            snapshot.Recent,
            [.. candidates.Select(c => set.Items[c.Item])],
            [.. candidates.Select(c => c.Score)],
            clock.GetUtcNow(),
            _options.RankTimeout,
            features is null ? default : ImmutableArray.Create(features));
        var ranking = GrainFactory.GetGrain<IRankerGrain>(0).RankAsync(rankQuery);
        if (await Task.WhenAny(ranking, Task.Delay(_options.RankTimeout)) != ranking || !ranking.IsCompletedSuccessfully || ranking.Result is not { } result)
        {
            _ = ranking.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return null;
        }
        var scored = new List<(Candidate, double?)>(candidates.Count);
        var unknown = new List<Candidate>();
        for (var n = 0; n < candidates.Count; n++)
        {
            var score = result.Scores[n];
            if (float.IsNaN(score))
            {
                unknown.Add(candidates[n]);
            }
            else
            {
                scored.Add((candidates[n], score));
            }
        }
        // Stable: equal scores keep the merged order. Items the ranker does not know follow, in recall order.
        var ordered = scored.Select((c, i) => (c, i)).OrderByDescending(x => x.c.Item2).ThenBy(x => x.i).Select(x => x.c).ToList();
        ordered.AddRange(CandidateOrder.WithoutRanker(unknown).Select(c => (c, (double?)null)));
        return (result.Ranker, ordered);
    }

    private void Degrade(string name, Task task, ImmutableArray<string>.Builder degraded)
    {
        degraded.Add(name);
        if (!task.IsCompleted)
        {
            GrainMetrics.RecallSeconds.Record(_options.ChannelTimeout.TotalSeconds, Outcome(name, "timeout"));
            // Observe a late failure so it is not reported as unobserved.
            _ = task.ContinueWith(t => t.Exception, TaskScheduler.Default);
        }
    }

    private static async Task<T> Timed<T>(string channel, Task<T> task)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var result = await task;
            GrainMetrics.RecallSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Outcome(channel, "ok"));
            return result;
        }
        catch
        {
            GrainMetrics.RecallSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, Outcome(channel, "failed"));
            throw;
        }
    }

    private static KeyValuePair<string, object?>[] Outcome(string channel, string outcome) =>
        [new("channel", channel), new("outcome", outcome)];

    private async Task<ImmutableArray<PopularItem>> GetPopularAsync(int needed)
    {
        var now = clock.GetUtcNow();
        // A list shorter than what was asked for holds every popular item, so asking for more cannot help.
        var tooShort = _popular.Length < needed && _popular.Length == _popularRequested;
        if (_popular.IsDefaultOrEmpty || now - _popularAt >= _options.PopularityCacheDuration || tooShort)
        {
            _popularRequested = Math.Max(needed, 500);
            _popular = await GrainFactory.GetGrain<IPopularityGrain>(CatalogGrainKeys.Default).GetTopAsync(_popularRequested);
            _popularAt = now;
        }
        return _popular;
    }

    private static void Report(ImmutableArray<RecommendedItem> results)
    {
        foreach (var byChannel in results.GroupBy(r => r.Channel))
        {
            GrainMetrics.RecommendedItems.Add(byChannel.Count(), new KeyValuePair<string, object?>("channel", byChannel.Key));
        }
    }
}
