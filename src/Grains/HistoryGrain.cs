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
public abstract class HistoryGrain(
    IPersistentState<UserState> state,
    ServingModels models,
    IOptions<ServingOptions> options) : Grain, IHistoryGrain
{
    private readonly ServingOptions _options = options.Value;
    private readonly LiveVectors _vectors = new();

    public async Task<ImmutableArray<UserEvent>> RecordAsync(ImmutableArray<UserEvent> events)
    {
        var s = state.State;
        var accepted = ImmutableArray.CreateBuilder<UserEvent>(events.Length);
        foreach (var e in events)
        {
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
