using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// The registry of blocked items: the source of truth for item flags, persisted and versioned. The serving path
/// never calls it per request: every silo keeps a copy (<c>BlockedItems</c>) that polls
/// <see cref="GetSnapshotIfChangedAsync"/>. Singleton: key = 0 (<see cref="CatalogGrainKeys.Default"/>).
/// </summary>
[Alias("recsys.IBlockedItemsGrain")]
public interface IBlockedItemsGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Blocks or unblocks <paramref name="itemId"/>; persisted before returning. Blocking a blocked item only
    /// replaces its reason; unblocking an item that is not blocked changes nothing.
    /// </summary>
    /// <returns>The item's flags now.</returns>
    [Alias("Set")]
    Task<ItemFlags> SetAsync(string itemId, bool blocked, string? reason);

    /// <summary>The flags of one item (<see cref="ItemFlags.None"/> if it was never blocked).</summary>
    [Alias("Get")]
    Task<ItemFlags> GetAsync(string itemId);

    /// <summary>The flags of several items, aligned with <paramref name="itemIds"/>.</summary>
    [Alias("GetMany")]
    Task<ImmutableArray<ItemFlags>> GetManyAsync(ImmutableArray<string> itemIds);

    /// <summary>A page of blocked items, oldest block first (ties by id).</summary>
    [Alias("List")]
    Task<BlockedItemsPage> ListAsync(int offset, int limit);

    /// <summary>Every blocked id, unless the registry is still at <paramref name="knownVersion"/> (then null).</summary>
    [Alias("GetSnapshotIfChanged")]
    Task<BlockedItemsSnapshot?> GetSnapshotIfChangedAsync(long knownVersion);
}
