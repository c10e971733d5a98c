using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// The request path. Reads the live history (user or session) with its query vectors, runs the recall channels in
/// parallel — ANN over each vector model (fanned out to every recall shard of the version), ItemCF from the recent
/// positive items, trending (decayed popularity) — each with a quota and a deadline, merges and de-duplicates the
/// candidates, and has the ranker score the union. Seen, excluded and blocked items are dropped inside each channel,
/// so they never take up its quota; blocked ones are dropped again at the merge, in case a channel ran on a silo
/// whose copy of the blocked items had not caught up yet. A channel (or the ranker) that fails or misses its deadline
/// degrades the answer, never fails it. Stateless and reentrant: many requests share one activation while they wait
/// on other grains.
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

        var excluded = new HashSet<string>(snapshot.Seen, StringComparer.Ordinal);
        if (!query.Exclude.IsDefaultOrEmpty)
        {
            excluded.UnionWith(query.Exclude);
        }

        // Channels, in priority order: it decides ties and the order of an unranked list.
        var channels = new List<(string Name, Task<List<Candidate>> Task)>();
        var hasHistory = snapshot.Recent.Length > 0;
        if (set is not null && hasHistory)
        {
            foreach (var (name, task) in VectorChannels(set, snapshot, excluded))
            {
                channels.Add((name, task));
            }
            channels.Add((Channels.ItemCf, Timed(Channels.ItemCf, Task.FromResult(ItemCf(set.ItemCf, snapshot, excluded, blocked)))));
        }
        var trendingCount = Math.Max(_options.TrendingQuota, query.Count);
        channels.Add((Channels.Popularity, Timed(Channels.Popularity, Trending(trendingCount, excluded, blocked))));

        var all = Task.WhenAll(channels.Select(c => c.Task));
        await Task.WhenAny(all, Task.Delay(_options.ChannelTimeout));
        var degraded = ImmutableArray.CreateBuilder<string>();
        var lists = new List<(string Name, List<Candidate> Items)>();
        foreach (var (name, task) in channels)
        {
            if (task.IsCompletedSuccessfully)
            {
                lists.Add((name, WithoutBlocked(task.Result, blocked)));
            }
            else
            {
                degraded.Add(name);
                if (!task.IsCompleted)
                {
                    GrainMetrics.RecallSeconds.Record(_options.ChannelTimeout.TotalSeconds, Outcome(name, "timeout"));
                    // Observe a late failure so it is not reported as unobserved.
                    _ = task.ContinueWith(t => t.Exception, TaskScheduler.Default);
                }
            }
        }

        var candidates = Merge(lists, Math.Max(_options.MaxCandidates, query.Count));
        GrainMetrics.RequestCandidates.Record(candidates.Count);

        string? rankerName = null;
        List<Candidate> ordered;
        if (set?.Ranker is not null && hasHistory && candidates.Count > 0)
        {
            var ranked = await RankAsync(set, query, snapshot, candidates);
            if (ranked is { } r)
            {
                rankerName = r.Ranker;
                ordered = r.Ordered;
            }
            else
            {
                degraded.Add(RankerStage);
                ordered = RecallOrder(candidates);
            }
        }
        else
        {
            ordered = RecallOrder(candidates);
        }

        var items = ImmutableArray.CreateBuilder<RecommendedItem>(Math.Min(query.Count, ordered.Count));
        foreach (var c in ordered.Take(query.Count))
        {
            items.Add(new RecommendedItem(c.ItemId, c.RankScore ?? c.RecallScore, c.Channel, c.RecallScore, c.RankScore));
        }
        var result = items.ToImmutable();
        Report(result);
        return new Recommendations(set?.Version, rankerName, result, degraded.ToImmutable(), candidates.Count);
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

    private IEnumerable<(string Name, Task<List<Candidate>> Task)> VectorChannels(ServingModelSet set, UserSnapshot snapshot, HashSet<string> excluded)
    {
        if (set.Vectors.Count == 0)
        {
            yield break;
        }
        var sameVersion = snapshot.ModelVersion == set.Version;
        var shards = _options.RecallShards;
        // One call per shard carries the queries of every vector channel.
        var perShard = new List<ShardQuery>[shards];
        for (var s = 0; s < shards; s++)
        {
            perShard[s] = [];
        }
        foreach (var model in set.Vectors)
        {
            var vector = (sameVersion ? snapshot.Vector(model.Name) : null)
                ?? model.UserVector(LiveVectors.History(model.Items, snapshot.Recent));
            var exclude = new List<int>[shards];
            foreach (var id in excluded)
            {
                if (model.Items.TryGetIndex(id, out var index))
                {
                    (exclude[index % shards] ??= []).Add(index);
                }
            }
            for (var s = 0; s < shards; s++)
            {
                perShard[s].Add(new ShardQuery(model.Name, vector, _options.ChannelQuota, exclude[s] is { } e ? [.. e] : []));
            }
        }
        var fanOut = FanOut(set, perShard);
        foreach (var model in set.Vectors)
        {
            yield return (model.Name, Timed(model.Name, Pick(fanOut, model)));
        }
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

    /// <summary>The best <see cref="ServingOptions.ChannelQuota"/> hits of one channel over all shards.</summary>
    private async Task<List<Candidate>> Pick(Task<ImmutableArray<ShardHits>[]> fanOut, VectorModel model)
    {
        var merged = new List<(int Item, float Score)>();
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
                    merged.Add((hits.Items[n], hits.Scores[n]));
                }
            }
        }
        merged.Sort((a, b) => b.Score.CompareTo(a.Score));
        var candidates = new List<Candidate>(Math.Min(merged.Count, _options.ChannelQuota));
        foreach (var (item, score) in merged.Take(_options.ChannelQuota))
        {
            candidates.Add(new Candidate(model.Items[item], model.Name, score, candidates.Count));
        }
        return candidates;
    }

    private List<Candidate> ItemCf(ItemCfModel itemCf, UserSnapshot snapshot, HashSet<string> excluded, BlockedItemSet blocked)
    {
        var excludedIndexes = new HashSet<int>();
        foreach (var id in excluded)
        {
            if (itemCf.Items.TryGetIndex(id, out var index))
            {
                excludedIndexes.Add(index);
            }
        }
        var blockedIndexes = blocked.IndexesIn(itemCf.Items);
        var candidates = new List<Candidate>();
        foreach (var hit in itemCf.Recommend(WeightedHistory(snapshot, itemCf), _options.ChannelQuota, i => excludedIndexes.Contains(i) || blockedIndexes.Contains(i)))
        {
            candidates.Add(new Candidate(itemCf.Items[hit.Item], Channels.ItemCf, hit.Score, candidates.Count));
        }
        return candidates;
    }

    private async Task<List<Candidate>> Trending(int count, HashSet<string> excluded, BlockedItemSet blocked)
    {
        // Enough popular items to fill the list even if the user has seen many of them or many are blocked.
        var popular = await GetPopularAsync(count + excluded.Count + blocked.Count);
        var candidates = new List<Candidate>(count);
        foreach (var item in popular)
        {
            if (candidates.Count == count)
            {
                break;
            }
            if (!excluded.Contains(item.ItemId) && !blocked.Contains(item.ItemId))
            {
                candidates.Add(new Candidate(item.ItemId, Channels.Popularity, item.Score, candidates.Count));
            }
        }
        return candidates;
    }

    /// <summary>
    /// The safety net behind the channels' own filtering: a shard on another silo may have searched with an older copy
    /// of the blocked items.
    /// </summary>
    private static List<Candidate> WithoutBlocked(List<Candidate> candidates, BlockedItemSet blocked)
    {
        if (blocked.Count == 0)
        {
            return candidates;
        }
        var dropped = candidates.RemoveAll(c => blocked.Contains(c.ItemId));
        if (dropped > 0)
        {
            GrainMetrics.BlockedItemsDropped.Add(dropped);
        }
        return candidates;
    }

    /// <summary>
    /// The union of the channels' lists: each item once, credited to the channel that ranked it highest (ties go to
    /// the channel listed first), then cut to <paramref name="limit"/> taking the channels' lists in turns so every
    /// channel is represented.
    /// </summary>
    private static List<Candidate> Merge(List<(string Name, List<Candidate> Items)> lists, int limit)
    {
        var best = new Dictionary<string, Candidate>(StringComparer.Ordinal);
        foreach (var (_, items) in lists)
        {
            foreach (var c in items)
            {
                if (!best.TryGetValue(c.ItemId, out var seen) || c.Position < seen.Position)
                {
                    best[c.ItemId] = c;
                }
            }
        }
        var merged = new List<Candidate>(Math.Min(limit, best.Count));
        var taken = new HashSet<string>(StringComparer.Ordinal);
        var depth = lists.Count == 0 ? 0 : lists.Max(l => l.Items.Count);
        for (var position = 0; position < depth && merged.Count < limit; position++)
        {
            foreach (var (_, items) in lists)
            {
                if (position < items.Count && best[items[position].ItemId] is var c && c.Channel == items[position].Channel && taken.Add(c.ItemId))
                {
                    merged.Add(c);
                    if (merged.Count == limit)
                    {
                        break;
                    }
                }
            }
        }
        return merged;
    }

    /// <summary>
    /// Without a ranker: the personal channels' candidates in merged order, then the trending ones to fill, so a user
    /// with history sees what their history suggests before what everyone watches.
    /// </summary>
    private static List<Candidate> RecallOrder(List<Candidate> candidates) =>
        [.. candidates.Where(c => c.Channel != Channels.Popularity), .. candidates.Where(c => c.Channel == Channels.Popularity)];

    private async Task<(string Ranker, List<Candidate> Ordered)?> RankAsync(ServingModelSet set, RecommendQuery query, UserSnapshot snapshot, List<Candidate> candidates)
    {
        var rankQuery = new RankQuery(
            set.Version,
            query.Kind == SubjectKind.User ? query.Id : null,
            snapshot.Recent,
            [.. candidates.Select(c => c.ItemId)],
            [.. candidates.Select(c => (float)c.RecallScore)],
            clock.GetUtcNow(),
            _options.RankTimeout);
        var ranking = GrainFactory.GetGrain<IRankerGrain>(0).RankAsync(rankQuery);
        if (await Task.WhenAny(ranking, Task.Delay(_options.RankTimeout)) != ranking || !ranking.IsCompletedSuccessfully || ranking.Result is not { } result)
        {
            _ = ranking.ContinueWith(t => t.Exception, TaskScheduler.Default);
            return null;
        }
        var scored = new List<Candidate>(candidates.Count);
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
                scored.Add(candidates[n] with { RankScore = score });
            }
        }
        // Stable: equal scores keep the merged order.
        var ordered = scored.Select((c, i) => (c, i)).OrderByDescending(x => x.c.RankScore).ThenBy(x => x.i).Select(x => x.c).ToList();
        ordered.AddRange(RecallOrder(unknown));
        return (result.Ranker, ordered);
    }

    private static async Task<List<Candidate>> Timed(string channel, Task<List<Candidate>> task)
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

    /// <summary>The newest interactions with positive signal, each discounted by its recency rank.</summary>
    private IEnumerable<(int Item, float Weight)> WeightedHistory(UserSnapshot user, ItemCfModel itemCf)
    {
        var weight = 1.0;
        var used = 0;
        for (var i = user.Recent.Length - 1; i >= 0 && used < _options.ItemCfHistory; i--, used++)
        {
            var e = user.Recent[i];
            var signal = EventWeights.Of(e);
            if (signal > 0 && itemCf.Items.TryGetIndex(e.ItemId, out var index))
            {
                yield return (index, (float)(signal * weight));
            }
            weight *= _options.HistoryRecencyDecay;
        }
    }

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

    /// <summary>A candidate from one channel: its position in that channel's list and that channel's score.</summary>
    private sealed record Candidate(string ItemId, string Channel, double RecallScore, int Position, double? RankScore = null);
}
