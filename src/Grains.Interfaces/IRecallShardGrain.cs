using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// One slice of the item vectors of a model version, held in an HNSW index per vector channel: shard s of N holds
/// the items whose index i satisfies i mod N = s. The recommender asks every shard in parallel and merges.
/// Key = <see cref="RecallShardKeys.Of"/> (version, shard, shard count), so a new version or shard count gets fresh
/// shards and old ones deactivate once their silo releases that version.
/// </summary>
[Alias("recsys.IRecallShardGrain")]
public interface IRecallShardGrain : IGrainWithStringKey
{
    /// <summary>The nearest items of this shard for each query (inner product, best first).</summary>
    [Alias("Search")]
    Task<ImmutableArray<ShardHits>> SearchAsync(ImmutableArray<ShardQuery> queries);

    /// <summary>
    /// Builds the indexes if not built yet; returns the number of items this shard holds per channel. Building a
    /// shard of a million-item catalogue takes minutes on a few cores, far past Orleans' default 30 s response
    /// timeout, so this call waits up to an hour (the build runs once per activation whatever callers do).
    /// </summary>
    [Alias("Warm"), ResponseTimeout("01:00:00")]
    Task<int> WarmAsync();
}

/// <summary>Keys of recall shards.</summary>
public static class RecallShardKeys
{
    public static string Of(string version, int shard, int shards) => $"{version}|{shard}|{shards}";

    public static (string Version, int Shard, int Shards) Parse(string key)
    {
        var parts = key.Split('|');
        if (parts.Length != 3 || !int.TryParse(parts[1], out var shard) || !int.TryParse(parts[2], out var shards) || shard < 0 || shard >= shards)
        {
            throw new ArgumentException($"'{key}' is not a recall shard key (version|shard|shards)", nameof(key));
        }
        return (parts[0], shard, shards);
    }
}
