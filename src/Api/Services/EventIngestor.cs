using System.Collections.Concurrent;
using System.Collections.Immutable;
using RecSys.Api.Diagnostics;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Api.Services;

/// <summary>
/// Applies a validated batch: each user's events go to that user grain (persisted, de-duplicated by eventId);
/// the events that were new then update item counters and popularity. Runs to completion once started, even if
/// the client goes away, so an accepted batch is never cut short.
/// </summary>
internal sealed class EventIngestor(IGrainFactory grains)
{
    private const int Parallelism = 64;

    public async Task<EventsAcceptedResult> IngestAsync(IReadOnlyList<IngestEvent> events)
    {
        var fresh = new ConcurrentBag<UserEvent>();
        await Parallel.ForEachAsync(
            events.GroupBy(e => e.UserId, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (batch, _) =>
            {
                var recorded = await grains.GetGrain<IUserGrain>(batch.Key).RecordAsync([.. batch.Select(e => e.Event)]);
                foreach (var e in recorded)
                {
                    fresh.Add(e);
                }
            });

        await Parallel.ForEachAsync(
            fresh.GroupBy(e => e.ItemId, StringComparer.Ordinal),
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
            async (batch, _) => await grains.GetGrain<IItemGrain>(batch.Key).RecordAsync(
                [.. batch.Select(e => new ItemActivity(e.Type, EventWeights.Of(e), e.Timestamp))]));

        var deltas = fresh
            .Select(e => new PopularityDelta(e.ItemId, EventWeights.Of(e), e.Timestamp))
            .Where(d => d.Weight > 0)
            .ToImmutableArray();
        if (deltas.Length > 0)
        {
            await grains.GetGrain<IPopularityGrain>(CatalogGrainKeys.Default).RecordAsync(deltas);
        }

        foreach (var byType in fresh.GroupBy(e => e.Type))
        {
            ApiMetrics.EventsIngested.Add(byType.Count(), new KeyValuePair<string, object?>("type", byType.Key.ToString().ToLowerInvariant()));
        }
        return new EventsAcceptedResult(events.Count, events.Count - fresh.Count);
    }
}

internal readonly record struct EventsAcceptedResult(int Accepted, int Duplicates);
