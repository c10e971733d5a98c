using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Placement;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.Models.Ann;
using RecSys.Models.Data;

namespace RecSys.Grains;

/// <summary>
/// Holds shard s of N of every vector channel of one model version in an HNSW index (items i with i mod N = s) and
/// answers nearest-neighbour queries against it. The indexes are built once per activation, off the grain
/// scheduler (seconds for ML-100K, minutes for a million items); searches run concurrently (the index is thread-safe for
/// readers), so the grain is reentrant. Placement is random so a version's shards spread over the silos. Blocked
/// items (this silo's <see cref="BlockedItems"/>) are skipped inside the search, like the query's own exclusions,
/// so they never take a place in the answer; blocking needs no index rebuild.
/// A shard is never collected for being idle: rebuilding a million-item shard takes minutes, during which its
/// channel times out on every request, so a quiet quarter of an hour (Orleans' default collection age) must not
/// throw it away. It deactivates itself instead once its silo no longer keeps its version (neither the current
/// nor the previous one, see <see cref="ServingModels"/>).
/// </summary>
[Reentrant, RandomPlacement, CollectionAgeLimit(AlwaysActive = true)]
public sealed partial class RecallShardGrain(
    ServingModels models,
    BlockedItems blockedItems,
    IOptions<ServingOptions> options,
    ILogger<RecallShardGrain> logger) : Grain, IRecallShardGrain
{
    private static readonly TimeSpan RetirementCheck = TimeSpan.FromMinutes(1);

    private readonly ServingOptions _options = options.Value;
    private Task<Dictionary<string, ShardIndex>>? _indexes;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _indexes = BuildAsync();
        this.RegisterGrainTimer(RetireIfReleased, RetirementCheck, RetirementCheck);
        return Task.CompletedTask;
    }

    /// <summary>Deactivates once the build is over and this silo has released (or never loaded) the version.</summary>
    private Task RetireIfReleased()
    {
        var (version, _, _) = RecallShardKeys.Parse(this.GetPrimaryKeyString());
        if (_indexes is { IsCompleted: true } && !models.Holds(version))
        {
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public async Task<int> WarmAsync()
    {
        var indexes = await Indexes();
        return indexes.Values.Select(i => i.Index.Count).DefaultIfEmpty(0).Max();
    }

    public async Task<ImmutableArray<ShardHits>> SearchAsync(ImmutableArray<ShardQuery> queries)
    {
        var indexes = await Indexes();
        var blocked = blockedItems.Current;
        var results = ImmutableArray.CreateBuilder<ShardHits>(queries.Length);
        foreach (var query in queries)
        {
            if (!indexes.TryGetValue(query.Channel, out var shard) || query.Count <= 0)
            {
                results.Add(new ShardHits(query.Channel, [], []));
                continue;
            }
            var index = shard.Index;
            if (query.Vector.Length != index.Dimension)
            {
                throw new ArgumentException($"{query.Channel} vectors have {index.Dimension} components, the query has {query.Vector.Length}", nameof(queries));
            }
            var hits = index.Search(query.Vector, query.Count, Math.Max(_options.HnswEfSearch, query.Count), Filter(query.Exclude, blocked.IndexesIn(shard.Items)));
            var items = ImmutableArray.CreateBuilder<int>(hits.Length);
            var scores = ImmutableArray.CreateBuilder<float>(hits.Length);
            foreach (var hit in hits)
            {
                items.Add(hit.Id);
                scores.Add(hit.Score);
            }
            results.Add(new ShardHits(query.Channel, items.MoveToImmutable(), scores.MoveToImmutable()));
        }
        return results.MoveToImmutable();
    }

    /// <summary>Accepts items neither excluded by the query nor blocked; null (no filter) when there is nothing to drop.</summary>
    private static Func<int, bool>? Filter(ImmutableArray<int> exclude, FrozenSet<int> blocked)
    {
        if (exclude.IsDefaultOrEmpty)
        {
            return blocked.Count == 0 ? null : id => !blocked.Contains(id);
        }
        HashSet<int> excluded = [.. exclude];
        return blocked.Count == 0 ? id => !excluded.Contains(id) : id => !excluded.Contains(id) && !blocked.Contains(id);
    }

    private Task<Dictionary<string, ShardIndex>> Indexes()
    {
        // A failed build (e.g. the version could not be loaded yet) is retried by the next call.
        if (_indexes is null || _indexes.IsFaulted || _indexes.IsCanceled)
        {
            _indexes = BuildAsync();
        }
        return _indexes;
    }

    private async Task<Dictionary<string, ShardIndex>> BuildAsync()
    {
        var (version, shard, shards) = RecallShardKeys.Parse(this.GetPrimaryKeyString());
        var set = await models.GetAsync(version);
        var watch = Stopwatch.StartNew();
        var indexes = await Task.Run(() => Build(set, shard, shards));
        GrainMetrics.ShardBuildSeconds.Record(watch.Elapsed.TotalSeconds);
        LogBuilt(logger, version, shard, shards, indexes.Count, indexes.Values.Select(i => i.Index.Count).DefaultIfEmpty(0).Max(), watch.ElapsedMilliseconds);
        return indexes;
    }

    private static Dictionary<string, ShardIndex> Build(ServingModelSet set, int shard, int shards)
    {
        var indexes = new Dictionary<string, ShardIndex>(StringComparer.Ordinal);
        foreach (var model in set.Vectors)
        {
            var dimension = model.Dimension;
            var vectors = model.ItemVectors;
            var count = vectors.Length / dimension;
            var mine = (count - shard + shards - 1) / shards;
            var index = new HnswIndex(dimension, VectorMetric.InnerProduct, new HnswOptions { M = 16, EfConstruction = 100, InitialCapacity = Math.Max(16, mine) });
            // Inserts are thread-safe; use the cores while the shard is not serving yet.
            Parallel.For(0, mine, n =>
            {
                var item = shard + n * shards;
                index.Add(item, vectors.AsSpan(item * dimension, dimension));
            });
            indexes[model.Name] = new ShardIndex(index, model.Items);
        }
        return indexes;
    }

    /// <summary>One channel's index and the vocabulary its item indices belong to (to map blocked ids).</summary>
    private sealed record ShardIndex(HnswIndex Index, IdVocabulary Items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Recall shard {Version} {Shard}/{Shards}: {Channels} channels, {Items} items each, built in {Elapsed} ms")]
    private static partial void LogBuilt(ILogger logger, string version, int shard, int shards, int channels, int items, long elapsed);
}
