using System.Collections.Concurrent;
using RecSys.Api.Diagnostics;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Api.Services;

/// <summary>
/// Applies a validated batch: each user's events go to that user grain (persisted, de-duplicated by eventId),
/// the batch's item ids are registered with the catalogue in one call, every event updates its item's counters
/// (items de-duplicate by user and eventId too), and what the items accepted feeds popularity. A batch that
/// failed half-way can therefore be retried with the same eventIds: each store counts each event once. Runs to
/// completion once started, even if the client goes away.
/// </summary>
internal sealed class EventIngestor(IGrainFactory grains)
{
    private const int Parallelism = 64;

    /// <param name="events">Validated events.</param>
    /// <param name="kind">Whether <see cref="IngestEvent.UserId"/> names users or an anonymous session.</param>
    public async Task<EventsAcceptedResult> IngestAsync(IReadOnlyList<IngestEvent> events, SubjectKind kind = SubjectKind.User)
    {
        var fresh = 0;
        await Parallel.ForEachAsync(
            events.GroupBy(e => e.UserId, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (batch, _) =>
            {
                IHistoryGrain history = kind == SubjectKind.Session ? grains.GetGrain<ISessionGrain>(batch.Key) : grains.GetGrain<IUserGrain>(batch.Key);
                var recorded = await history.RecordAsync([.. batch.Select(e => e.Event)]);
                Interlocked.Add(ref fresh, recorded.Length);
                foreach (var byType in recorded.GroupBy(e => e.Type))
                {
                    ApiMetrics.EventsIngested.Add(byType.Count(), new KeyValuePair<string, object?>("type", byType.Key.ToString().ToLowerInvariant()));
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
                var accepted = await grains.GetGrain<IItemGrain>(batch.Key).RecordAsync([.. batch.Select(e => ToActivity(e, kind))]);
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

    // Sessions and users are separate id spaces: a session's dedupe key is marked so it never matches a user's.
    private static ItemActivity ToActivity(IngestEvent e, SubjectKind kind) => new(
        e.Event.Type,
        EventWeights.Of(e.Event),
        e.Event.Timestamp,
        e.Event.EventId is { } id ? (kind == SubjectKind.Session ? "session\u001f" : "") + e.UserId + "\u001f" + id : null);
}

internal readonly record struct EventsAcceptedResult(int Accepted, int Duplicates);
