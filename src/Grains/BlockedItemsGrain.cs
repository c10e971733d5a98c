using System.Collections.Immutable;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Grains;

/// <summary>
/// The registry of blocked items, the source of truth for item flags. A change is persisted before it is
/// acknowledged and bumps the version that every silo's <see cref="BlockedItems"/> polls for; the copy on this
/// grain's own silo is updated before the call returns. The whole state is rewritten per change: fine for the
/// thousands of items a catalogue blocks at once, not for millions.
/// </summary>
public sealed class BlockedItemsGrain(
    [PersistentState("blocked", StorageNames.Items)] IPersistentState<BlockedItemsState> state,
    BlockedItems local,
    TimeProvider clock) : Grain, IBlockedItemsGrain
{
    // Built once per version and handed to every polling silo.
    private BlockedItemsSnapshot? _snapshot;

    public async Task<ItemFlags> SetAsync(string itemId, bool blocked, string? reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(itemId);
        var items = state.State.Items;
        BlockedItemEntry? entry;
        if (blocked)
        {
            if (items.TryGetValue(itemId, out entry))
            {
                if (entry.Reason == reason)
                {
                    return Flags(entry);
                }
                // Only the reason changes: the blocked set, and so the version silos poll, stays the same.
                entry.Reason = reason;
                await WriteAsync();
                return Flags(entry);
            }
            entry = new BlockedItemEntry { Reason = reason, BlockedAt = clock.GetUtcNow() };
            items.Add(itemId, entry);
        }
        else
        {
            entry = null;
            if (!items.Remove(itemId))
            {
                return ItemFlags.None;
            }
        }

        // Time-based, so a registry whose state was lost (memory storage) never hands out a version a silo
        // already holds for a different set.
        state.State.Version = Math.Max(state.State.Version + 1, clock.GetUtcNow().UtcTicks);
        await WriteAsync();
        _snapshot = null;
        local.Apply(Snapshot());
        return entry is null ? ItemFlags.None : Flags(entry);
    }

    public Task<ItemFlags> GetAsync(string itemId) =>
        Task.FromResult(state.State.Items.TryGetValue(itemId, out var entry) ? Flags(entry) : ItemFlags.None);

    public Task<ImmutableArray<ItemFlags>> GetManyAsync(ImmutableArray<string> itemIds)
    {
        var items = state.State.Items;
        var flags = ImmutableArray.CreateBuilder<ItemFlags>(itemIds.Length);
        foreach (var id in itemIds)
        {
            flags.Add(items.TryGetValue(id, out var entry) ? Flags(entry) : ItemFlags.None);
        }
        return Task.FromResult(flags.MoveToImmutable());
    }

    public Task<BlockedItemsPage> ListAsync(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var items = state.State.Items;
        var page = items
            .OrderBy(e => e.Value.BlockedAt)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Skip(offset)
            .Take(limit)
            .Select(e => new BlockedItem(e.Key, e.Value.Reason, e.Value.BlockedAt))
            .ToImmutableArray();
        return Task.FromResult(new BlockedItemsPage(items.Count, page));
    }

    public Task<BlockedItemsSnapshot?> GetSnapshotIfChangedAsync(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version ? null : Snapshot());

    private BlockedItemsSnapshot Snapshot() =>
        _snapshot ??= new BlockedItemsSnapshot(state.State.Version, [.. state.State.Items.Keys]);

    private static ItemFlags Flags(BlockedItemEntry entry) => new(true, entry.Reason, entry.BlockedAt);

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
}
