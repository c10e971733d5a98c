using System.Collections.Concurrent;
using RecSys.Api.Diagnostics;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Api.Services;

/// <summary>
/// Applies a validated batch. First the event log (PostgreSQL mode) commits it, so an acknowledged event is durable
/// whatever happens next; then each subject's events go to its user or session grain (persisted, de-duplicated by
/// eventId), the batch's item ids are registered with the catalogue in one call, every event updates its item's
/// counters (items de-duplicate by subject and eventId too), and what the items accepted feeds popularity. A batch
/// that failed half-way can therefore be retried with the same eventIds: the log and each store count each event
/// once. Runs to completion once started, even if the client goes away.
/// </summary>
internal sealed class EventIngestor(IGrainFactory grains, IEventLog log)
{
    private const int Parallelism = 64;

    /// <param name="events">Validated events, of users or sessions (each names its own).</param>
    public async Task<EventsAcceptedResult> IngestAsync(IReadOnlyList<IngestEvent> events)
    {
        // Users and sessions get the server ids too, so a replay of the log over state that still holds these events
        // skips them. Items keep only client ids: the server id is unknown to a retrying client, so it cannot help
        // item de-duplication, and it would push client keys out of the item's bounded memory sooner.
        var logged = log.IsDurable ? WithServerIds(events) : events;
        await log.AppendAsync(logged);

        var fresh = await RecordSubjectsAsync(logged, (kind, recorded) =>
        {
            var subject = new KeyValuePair<string, object?>("subject", ApiMetrics.SubjectLabel(kind));
            foreach (var byType in recorded.GroupBy(e => e.Type))
            {
                ApiMetrics.EventsIngested.Add(byType.Count(), new KeyValuePair<string, object?>("type", byType.Key.ToString().ToLowerInvariant()), subject);
            }
        });

        var byItem = events.GroupBy(e => e.Event.ItemId, StringComparer.Ordinal).ToList();
        await grains.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default).RegisterAsync([.. byItem.Select(g => g.Key)]);

        var deltas = new ConcurrentBag<PopularityDelta>();
        await Parallel.ForEachAsync(
            byItem,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (batch, _) =>
            {
                var accepted = await grains.GetGrain<IItemGrain>(batch.Key).RecordAsync([.. batch.Select(ToActivity)]);
                foreach (var a in accepted.Where(a => a.Weight > 0))
                {
                    deltas.Add(new PopularityDelta(batch.Key, a.Weight, a.Timestamp));
                }
            });

        if (!deltas.IsEmpty)
        {
            await grains.GetGrain<IPopularityGrain>(CatalogGrainKeys.Default).RecordAsync([.. deltas]);
        }
        return new EventsAcceptedResult(events.Count, events.Count - fresh);
    }

    /// <summary>
    /// Re-applies events read back from the event log to user and session state only, without logging them again.
    /// Every event carries its logged id, so user and session grains skip what they still remember and a replay can
    /// be repeated. Item counters and popularity are aggregates that were never lost with a user's or session's
    /// state; replaying into them would count again whatever their bounded key memory has forgotten.
    /// </summary>
    public async Task<EventsAcceptedResult> ReplayAsync(IReadOnlyList<IngestEvent> events)
    {
        var fresh = await RecordSubjectsAsync(events, (_, _) => { });
        ApiMetrics.EventsReplayed.Add(fresh, new KeyValuePair<string, object?>("outcome", "applied"));
        ApiMetrics.EventsReplayed.Add(events.Count - fresh, new KeyValuePair<string, object?>("outcome", "duplicate"));
        return new EventsAcceptedResult(events.Count, events.Count - fresh);
    }

    /// <summary>
    /// Records each user's and each session's events in its grain (in batch order); returns how many were new.
    /// </summary>
    private async Task<int> RecordSubjectsAsync(IReadOnlyList<IngestEvent> events, Action<SubjectKind, IReadOnlyList<UserEvent>> onRecorded)
    {
        var fresh = 0;
        await Parallel.ForEachAsync(
            events.GroupBy(e => (e.Kind, e.SubjectId)),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (batch, _) =>
            {
                var (kind, id) = batch.Key;
                IHistoryGrain history = kind == SubjectKind.Session ? grains.GetGrain<ISessionGrain>(id) : grains.GetGrain<IUserGrain>(id);
                var recorded = await history.RecordAsync([.. batch.Select(e => e.Event)]);
                Interlocked.Add(ref fresh, recorded.Length);
                onRecorded(kind, recorded);
            });
        return fresh;
    }

    /// <summary>
    /// Gives every id-less event a server id (a time-ordered UUID), so each logged row has a key. The client never
    /// learns it, so a client retry of such an event is a new event, as it always was without an eventId.
    /// </summary>
    private static IReadOnlyList<IngestEvent> WithServerIds(IReadOnlyList<IngestEvent> events) =>
        events.All(e => e.Event.EventId is not null)
            ? events
            : [.. events.Select(e => e.Event.EventId is null ? e with { Event = e.Event with { EventId = Guid.CreateVersion7().ToString() } } : e)];

    // Sessions and users are separate id spaces: a session's dedupe key is marked so it never matches a user's.
    private static ItemActivity ToActivity(IngestEvent e) => new(
        e.Event.Type,
        EventWeights.Of(e.Event),
        e.Event.Timestamp,
        e.Event.EventId is { } id ? (e.Kind == SubjectKind.Session ? "session\u001f" : "") + e.SubjectId + "\u001f" + id : null);
}

internal readonly record struct EventsAcceptedResult(int Accepted, int Duplicates);
