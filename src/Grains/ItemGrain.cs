using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.Models.Recall;

namespace RecSys.Grains;

/// <summary>
/// One catalogue item: metadata plus lifetime and time-decayed interaction counters. An item created through
/// <see cref="UpsertAsync"/> registers itself in the catalogue index before its creation is acknowledged; the
/// bulk paths (events, seeding) register their ids in one call per batch instead.
/// </summary>
// Many small, uniform grains: spread them evenly over the silos by id hash rather than the default
// resource-optimized placement, which keeps them on the calling silo until load builds up.
[HashBasedPlacement]
public sealed class ItemGrain(
    [PersistentState("item", StorageNames.Items)] IPersistentState<ItemState> state,
    IOptions<ServingOptions> options,
    TimeProvider clock) : Grain, IItemGrain
{
    private readonly ServingOptions _options = options.Value;

    public Task<ItemDetails?> GetAsync() =>
        Task.FromResult(state.State.Exists ? ToDetails(state.State) : null);

    public async Task<ItemDetails> UpsertAsync(ItemMetadata metadata)
    {
        await EnsureExistsAsync();
        state.State.Metadata = metadata;
        state.State.UpdatedAt = clock.GetUtcNow();
        await WriteAsync();
        return ToDetails(state.State);
    }

    public async Task<ItemDetails> GetOrCreateAsync()
    {
        if (!state.State.Exists)
        {
            await EnsureExistsAsync();
            state.State.UpdatedAt = state.State.CreatedAt;
            await WriteAsync();
        }
        return ToDetails(state.State);
    }

    public async Task SeedAsync(ItemMetadata? metadata)
    {
        var s = state.State;
        if (s.Exists && (s.Metadata is not null || metadata is null))
        {
            return;
        }
        var now = clock.GetUtcNow();
        if (!s.Exists)
        {
            s.Exists = true;
            s.CreatedAt = now;
        }
        s.Metadata = metadata;
        s.UpdatedAt = now;
        await WriteAsync();
    }

    public async Task<ImmutableArray<ItemActivity>> RecordAsync(ImmutableArray<ItemActivity> activity)
    {
        if (activity.IsDefaultOrEmpty)
        {
            return [];
        }
        var s = state.State;
        var accepted = ImmutableArray.CreateBuilder<ItemActivity>(activity.Length);
        foreach (var a in activity)
        {
            if (a.DedupeKey is { } key && !BoundedIds.Add(s.EventKeys, s.EventKeyIndex, key, _options.ItemRememberedEventKeys))
            {
                continue;
            }
            accepted.Add(a);
            switch (a.Type)
            {
                case EventType.View: s.Views++; break;
                case EventType.Click: s.Clicks++; break;
                case EventType.Like: s.Likes++; break;
                case EventType.Rating: s.Ratings++; break;
                case EventType.Purchase: s.Purchases++; break;
                case EventType.Skip: s.Skips++; break;
            }
            if (a.Weight > 0)
            {
                (s.Popularity, s.PopularityAsOf) = TimeDecay.Add(s.Popularity, s.PopularityAsOf, a.Weight, a.Timestamp, _options.PopularityHalfLife);
            }
        }

        // Dedupe keys live in this same state, so after a failed write the retry is accepted and creates the item.
        if (accepted.Count > 0)
        {
            var now = clock.GetUtcNow();
            if (!s.Exists)
            {
                s.Exists = true;
                s.CreatedAt = now;
            }
            s.UpdatedAt = now;
            await WriteAsync();
        }
        return accepted.ToImmutable();
    }

    /// <summary>Marks a new item as existing and registers it in the catalogue (the single-item path).</summary>
    private async Task EnsureExistsAsync()
    {
        if (state.State.Exists)
        {
            return;
        }
        // Register first: a listed id whose state write then fails is harmless (it reads as not found),
        // while an item that exists but is missing from the index would be invisible to listing.
        await GrainFactory.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default).RegisterAsync([this.GetPrimaryKeyString()]);
        state.State.Exists = true;
        state.State.CreatedAt = clock.GetUtcNow();
    }

    private async Task WriteAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Memory and store disagree now; reload from the store on the next call.
            DeactivateOnIdle();
            throw;
        }
    }

    private ItemDetails ToDetails(ItemState s)
    {
        var now = clock.GetUtcNow();
        var popularity = s.PopularityAsOf == default ? s.Popularity : TimeDecay.Decay(s.Popularity, s.PopularityAsOf, now, _options.PopularityHalfLife);
        return new ItemDetails(
            this.GetPrimaryKeyString(),
            s.Metadata,
            new ItemCounters(s.Views, s.Clicks, s.Likes, s.Ratings, s.Purchases, s.Skips, popularity),
            s.CreatedAt,
            s.UpdatedAt);
    }
}
