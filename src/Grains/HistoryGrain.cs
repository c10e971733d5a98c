using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;

namespace RecSys.Grains;

/// <summary>
/// A live interaction history (a user's or an anonymous session's): bounded recent interactions, seen set, counters,
/// and the query vectors of the active models, which every accepted event advances so the very next request uses
/// them. Every accepted batch is persisted before the call returns, so an acknowledged event survives a silo
/// restart; the vectors are derived from the history and recomputed after a restart or a model swap.
/// </summary>
/// <remarks>
/// A user the loaded dataset knows starts with its dataset history (<paramref name="datasetHistories"/>; null for
/// sessions, which a dataset does not hold): merged in on first use once the silo has loaded the dataset, before any
/// event posted live, and not persisted until the next accepted event writes the state anyway. An event the dataset
/// already holds for this user (same item, same second) is a duplicate, so posting the loaded history again to make
/// users "live" does not double it.
/// </remarks>
public abstract class HistoryGrain(
    IPersistentState<UserState> state,
    ServingModels models,
    IOptions<ServingOptions> options,
    DatasetHistories? datasetHistories = null) : Grain, IHistoryGrain
{
    private readonly ServingOptions _options = options.Value;
    private readonly LiveVectors _vectors = new();

    public async Task<ImmutableArray<UserEvent>> RecordAsync(ImmutableArray<UserEvent> events)
    {
        SeedFromDataset();
        var s = state.State;
        var accepted = ImmutableArray.CreateBuilder<UserEvent>(events.Length);
        var key = this.GetPrimaryKeyString();
        foreach (var e in events)
        {
            if (s.DatasetFingerprint is not null && datasetHistories!.Contains(key, e.ItemId, e.Timestamp))
            {
                continue;
            }
            if (e.EventId is { } eventId && !BoundedIds.Add(s.EventIds, s.EventIdIndex, eventId, _options.RememberedEventIds))
            {
                continue;
            }
            Append(s, e);
            accepted.Add(e);
        }

        var duplicates = events.Length - accepted.Count;
        if (duplicates > 0)
        {
            GrainMetrics.DuplicateEvents.Add(duplicates);
        }
        if (accepted.Count == 0)
        {
            return [];
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // The in-memory state now holds events the store does not: drop this activation so the next call
            // reloads what was really persisted, and let the caller see the failure (nothing was acknowledged).
            DeactivateOnIdle();
            throw;
        }
        var recorded = accepted.ToImmutable();
        _vectors.Advance(models.Current, s.Recent, recorded);
        return recorded;
    }

    public Task<UserSnapshot> GetSnapshotAsync()
    {
        SeedFromDataset();
        var s = state.State;
        var current = models.Current;
        var vectors = _vectors.Get(current, s.Recent);
        return Task.FromResult(new UserSnapshot(
            this.GetPrimaryKeyString(),
            [.. s.Recent],
            [.. s.Seen],
            s.TotalEvents,
            s.LastEventAt,
            current?.Version,
            vectors));
    }

    /// <summary>
    /// Merges the loaded dataset's history of this user into the state, once: dataset events first (they are older),
    /// then whatever was recorded live before the dataset was loaded.
    /// </summary>
    private void SeedFromDataset()
    {
        var s = state.State;
        if (datasetHistories is null || s.DatasetFingerprint is not null || datasetHistories.Get(this.GetPrimaryKeyString()) is not { } history)
        {
            return;
        }
        s.DatasetFingerprint = datasetHistories.Fingerprint;
        if (history.Count == 0)
        {
            return;
        }
        var live = s.Recent.ToList();
        var liveCount = s.TotalEvents;
        var firstLive = s.FirstEventAt;
        s.Recent.Clear();
        s.Seen.Clear();
        s.SeenIndex.Clear();
        s.TotalEvents = 0;
        s.FirstEventAt = null;
        s.LastEventAt = null;
        foreach (var e in history.Concat(live))
        {
            Append(s, e);
        }
        s.TotalEvents = history.Count + liveCount;
        if (firstLive is { } first && first < s.FirstEventAt)
        {
            s.FirstEventAt = first;
        }
    }

    private void Append(UserState s, UserEvent e)
    {
        s.Recent.Add(e);
        if (s.Recent.Count > _options.RecentEvents)
        {
            s.Recent.RemoveRange(0, s.Recent.Count - _options.RecentEvents);
        }

        BoundedIds.Add(s.Seen, s.SeenIndex, e.ItemId, _options.SeenItems);

        s.TotalEvents++;
        s.FirstEventAt ??= e.Timestamp;
        if (s.LastEventAt is null || e.Timestamp > s.LastEventAt)
        {
            s.LastEventAt = e.Timestamp;
        }
    }
}
