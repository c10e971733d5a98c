using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Placement;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;

namespace RecSys.Grains;

/// <summary>
/// Live state of one user: bounded recent interactions, seen set and counters. Every accepted batch is
/// persisted before the call returns, so an acknowledged event survives a silo restart.
/// </summary>
// Many small, uniform grains: spread them evenly over the silos by id hash rather than the default
// resource-optimized placement, which keeps them on the calling silo until load builds up.
[HashBasedPlacement]
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    IOptions<ServingOptions> options) : Grain, IUserGrain
{
    private readonly ServingOptions _options = options.Value;

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
        return accepted.ToImmutable();
    }

    public Task<UserSnapshot> GetSnapshotAsync()
    {
        var s = state.State;
        return Task.FromResult(new UserSnapshot(
            this.GetPrimaryKeyString(),
            [.. s.Recent],
            [.. s.Seen],
            s.TotalEvents,
            s.LastEventAt));
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
