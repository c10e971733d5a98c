using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// The catalogue index: item ids in registration order for listing and paging. Writes happen only when new
/// ids arrive (rare next to reads), and each is persisted before it is acknowledged.
/// </summary>
public sealed class CatalogGrain(
    [PersistentState("catalog", StorageNames.Items)] IPersistentState<CatalogState> state) : Grain, ICatalogGrain
{
    public async Task RegisterAsync(ImmutableArray<string> itemIds)
    {
        var s = state.State;
        var added = 0;
        foreach (var id in itemIds)
        {
            if (s.Index.Add(id))
            {
                s.ItemIds.Add(id);
                added++;
            }
        }
        if (added == 0)
        {
            return;
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
    }

    public Task<CatalogPage> ListAsync(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        var ids = state.State.ItemIds;
        var page = offset >= ids.Count
            ? ImmutableArray<string>.Empty
            : [.. ids.Skip(offset).Take(limit)];
        return Task.FromResult(new CatalogPage(ids.Count, page));
    }

    public Task<string?> GetSeededFingerprintAsync() => Task.FromResult(state.State.SeededFingerprint);

    public async Task MarkSeededAsync(string fingerprint)
    {
        state.State.SeededFingerprint = fingerprint;
        await state.WriteStateAsync();
    }
}
