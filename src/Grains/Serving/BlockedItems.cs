using System.Collections.Frozen;
using System.Runtime.CompilerServices;
using RecSys.Grains.Contracts;
using RecSys.Models.Data;

namespace RecSys.Grains.Serving;

/// <summary>
/// This silo's copy of the blocked item ids, read by the request path without a grain call. Kept up to date by
/// <see cref="BlockedItemsRefresher"/> (polls the registry every <see cref="ServingOptions.BlockedItemsRefreshInterval"/>)
/// and, on the registry's own silo, by the registry as soon as a change is persisted. Readers take
/// <see cref="Current"/> once per request, so one answer is filtered by one version.
/// </summary>
public sealed class BlockedItems
{
    private BlockedItemSet _current = BlockedItemSet.Empty;

    public BlockedItems() => Diagnostics.GrainMetrics.Observe(this);

    /// <summary>The blocked ids as of the newest version this silo has seen.</summary>
    public BlockedItemSet Current => Volatile.Read(ref _current);

    /// <summary>
    /// Replaces <see cref="Current"/> if <paramref name="snapshot"/> is newer, so a slow poll never undoes a change the
    /// registry applied here a moment before. True if it was replaced.
    /// </summary>
    public bool Apply(BlockedItemsSnapshot snapshot)
    {
        BlockedItemSet? replacement = null;
        while (true)
        {
            var current = Volatile.Read(ref _current);
            if (snapshot.Version <= current.Version)
            {
                return false;
            }
            replacement ??= new BlockedItemSet(snapshot.Version, snapshot.ItemIds);
            if (Interlocked.CompareExchange(ref _current, replacement, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Asks the registry for a newer version than <see cref="Current"/> and applies it. True if it changed.</summary>
    public async Task<bool> RefreshAsync(IGrainFactory grains)
    {
        var registry = grains.GetGrain<IBlockedItemsGrain>(CatalogGrainKeys.Default);
        return await registry.GetSnapshotIfChangedAsync(Current.Version) is { } snapshot && Apply(snapshot);
    }
}

/// <summary>One immutable version of the blocked ids, with their indices in each model vocabulary built on first use.</summary>
public sealed class BlockedItemSet
{
    public static readonly BlockedItemSet Empty = new(0, []);

    private readonly FrozenSet<string> _ids;

    // Per vocabulary (ItemCF's, each vector model's); weak, so a released model version does not stay reachable.
    private readonly ConditionalWeakTable<IdVocabulary, FrozenSet<int>> _indexes = new();

    public BlockedItemSet(long version, IEnumerable<string> itemIds)
    {
        Version = version;
        _ids = itemIds.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The registry version this set was taken from (0: nothing was ever blocked, or not loaded yet).</summary>
    public long Version { get; }

    public int Count => _ids.Count;

    public bool Contains(string itemId) => _ids.Contains(itemId);

    /// <summary>The indices in <paramref name="items"/> of the blocked ids it knows.</summary>
    public FrozenSet<int> IndexesIn(IdVocabulary items) =>
        _ids.Count == 0 ? FrozenSet<int>.Empty : _indexes.GetValue(items, Indexes);

    private FrozenSet<int> Indexes(IdVocabulary items)
    {
        var indexes = new List<int>(_ids.Count);
        foreach (var id in _ids)
        {
            if (items.TryGetIndex(id, out var index))
            {
                indexes.Add(index);
            }
        }
        return indexes.ToFrozenSet();
    }
}
