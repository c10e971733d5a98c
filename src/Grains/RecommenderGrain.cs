using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// The request path. Channels: ItemCF over the user's recent positive interactions (recency-weighted), then
/// decayed popularity to fill the list. Seen items are filtered in every channel; each result carries the channel
/// that found it and that channel's score. Stateless and reentrant: many requests share one activation while
/// they wait on user grains.
/// </summary>
[StatelessWorker, Reentrant]
public sealed class RecommenderGrain(
    ServingModels models,
    IOptions<ServingOptions> options,
    TimeProvider clock) : Grain, IRecommenderGrain
{
    private readonly ServingOptions _options = options.Value;
    private ImmutableArray<PopularItem> _popular = [];
    private int _popularRequested;
    private DateTimeOffset _popularAt;

    public async Task<ImmutableArray<RecommendedItem>> RecommendAsync(string userId, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var user = await GrainFactory.GetGrain<IUserGrain>(userId).GetSnapshotAsync();
        var seen = new HashSet<string>(user.Seen, StringComparer.Ordinal);
        var results = new List<RecommendedItem>(count);
        var taken = new HashSet<string>(StringComparer.Ordinal);

        var active = models.Current;
        if (active is not null && user.Recent.Length > 0)
        {
            var itemCf = active.ItemCf;
            var seenIndexes = new HashSet<int>();
            foreach (var id in seen)
            {
                if (itemCf.Items.TryGetIndex(id, out var index))
                {
                    seenIndexes.Add(index);
                }
            }
            foreach (var hit in itemCf.Recommend(WeightedHistory(user, itemCf), count, seenIndexes.Contains))
            {
                var itemId = itemCf.Items[hit.Item];
                results.Add(new RecommendedItem(itemId, hit.Score, Channels.ItemCf));
                taken.Add(itemId);
            }
        }

        if (results.Count < count)
        {
            // Enough popular items to fill the list even if the user has seen many of them.
            var popular = await GetPopularAsync(count + seen.Count);
            foreach (var item in popular)
            {
                if (results.Count == count)
                {
                    break;
                }
                if (!seen.Contains(item.ItemId) && taken.Add(item.ItemId))
                {
                    results.Add(new RecommendedItem(item.ItemId, item.Score, Channels.Popularity));
                }
            }
        }

        Report(results);
        return [.. results];
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
        var neighbours = itemCf.Neighbours(index);
        var similar = ImmutableArray.CreateBuilder<RecommendedItem>(Math.Min(count, neighbours.Length));
        foreach (var neighbour in neighbours[..Math.Min(count, neighbours.Length)])
        {
            similar.Add(new RecommendedItem(itemCf.Items[neighbour.Item], neighbour.Score, Channels.ItemCf));
        }
        return Task.FromResult(similar.MoveToImmutable());
    }

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

    private static void Report(List<RecommendedItem> results)
    {
        var itemCf = results.Count(r => r.Channel == Channels.ItemCf);
        if (itemCf > 0)
        {
            GrainMetrics.RecommendedItems.Add(itemCf, new KeyValuePair<string, object?>("channel", Channels.ItemCf));
        }
        if (results.Count > itemCf)
        {
            GrainMetrics.RecommendedItems.Add(results.Count - itemCf, new KeyValuePair<string, object?>("channel", Channels.Popularity));
        }
    }
}
