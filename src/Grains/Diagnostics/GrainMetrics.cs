using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using RecSys.Grains.Serving;

namespace RecSys.Grains.Diagnostics;

/// <summary>Instruments the grains report on the "RecSys" meter.</summary>
public static class GrainMetrics
{
    private static readonly Meter Meter = new(Telemetry.MeterName);

    // The silo's model holders (one per silo; several in an in-process test cluster).
    private static readonly ConcurrentDictionary<ServingModels, byte> Models = new();

    /// <summary>1 for the model version each silo serves, labelled with it (recsys_model_active{version}).</summary>
    public static readonly ObservableGauge<int> ActiveModel = Meter.CreateObservableGauge(
        "recsys.model.active",
        () => Models.Keys.Select(m => m.Current).OfType<ServingModelSet>().Select(c => new Measurement<int>(1, new KeyValuePair<string, object?>("version", c.Version))),
        unit: "{version}",
        description: "The model version this silo serves (value 1, label version)");

    /// <summary>Reports <paramref name="models"/>' current version through <see cref="ActiveModel"/>.</summary>
    public static void Observe(ServingModels models) => Models.TryAdd(models, 0);

    // The silo's blocked-item copies (one per silo; several in an in-process test cluster). Weak, so the copy of a
    // silo that was shut down (test hosts come and go) stops being reported once collected.
    private static readonly ConditionalWeakTable<BlockedItems, object?> Blocked = new();

    /// <summary>Items blocked from recommendations as each silo's copy sees it (recsys_items_blocked).</summary>
    public static readonly ObservableGauge<int> BlockedItemCount = Meter.CreateObservableGauge(
        "recsys.items.blocked",
        () => Blocked.Select(b => new Measurement<int>(b.Key.Current.Count)).ToList(),
        unit: "{item}",
        description: "Items blocked from every recommendation, as this silo's copy of the registry sees them");

    /// <summary>Reports <paramref name="blocked"/>' size through <see cref="BlockedItemCount"/>.</summary>
    public static void Observe(BlockedItems blocked) => Blocked.TryAdd(blocked, null);

    /// <summary>
    /// Blocked candidates a channel still returned and the merge dropped (recsys_blocked_items_dropped_total): a channel
    /// ran where the block had not arrived yet. Steadily above zero means a silo's copy lags.
    /// </summary>
    public static readonly Counter<long> BlockedItemsDropped =
        Meter.CreateCounter<long>("recsys.blocked.items.dropped", unit: "{item}", description: "Blocked candidates dropped at merge because a recall channel returned them");

    /// <summary>Items returned by the request path, by recall channel (recsys_recommended_items_total).</summary>
    public static readonly Counter<long> RecommendedItems =
        Meter.CreateCounter<long>("recsys.recommended.items", unit: "{item}", description: "Items returned by recommendations, by channel");

    /// <summary>Duplicate events ignored thanks to their event id (recsys_events_duplicate_total).</summary>
    public static readonly Counter<long> DuplicateEvents =
        Meter.CreateCounter<long>("recsys.events.duplicate", unit: "{event}", description: "Events ignored because their eventId was already recorded");

    /// <summary>Seconds each recall channel took, by channel and outcome (recsys_recall_duration_seconds).</summary>
    public static readonly Histogram<double> RecallSeconds =
        Meter.CreateHistogram<double>("recsys.recall.duration", unit: "s", description: "Time a recall channel took, by channel and outcome (ok, failed, timeout)");

    /// <summary>Candidates ranked per request after merging and filtering (recsys_request_candidates).</summary>
    public static readonly Histogram<int> RequestCandidates =
        Meter.CreateHistogram<int>("recsys.request.candidates", unit: "{item}", description: "Merged, filtered candidates per recommendation request");

    /// <summary>Seconds ranking took as the request path saw it (recsys_rank_duration_seconds).</summary>
    public static readonly Histogram<double> RankSeconds =
        Meter.CreateHistogram<double>("recsys.rank.duration", unit: "s", description: "Time to rank one request's candidates, including batching, by outcome");

    /// <summary>Seconds of one batched forward pass (recsys_rank_forward_duration_seconds).</summary>
    public static readonly Histogram<double> RankForwardSeconds =
        Meter.CreateHistogram<double>("recsys.rank.forward.duration", unit: "s", description: "Time of one batched ranker forward pass");

    /// <summary>Seconds a ranking request waited to join a batch (recsys_rank_queue_duration_seconds).</summary>
    public static readonly Histogram<double> RankQueueSeconds =
        Meter.CreateHistogram<double>("recsys.rank.queue.duration", unit: "s", description: "Time a ranking request waited before its forward pass");

    /// <summary>Requests per ranker forward pass (recsys_rank_batch_requests).</summary>
    public static readonly Histogram<int> RankBatchRequests =
        Meter.CreateHistogram<int>("recsys.rank.batch.requests", unit: "{request}", description: "Requests gathered into one ranker forward pass");

    /// <summary>Candidate rows per ranker forward pass (recsys_rank_batch_rows).</summary>
    public static readonly Histogram<int> RankBatchRows =
        Meter.CreateHistogram<int>("recsys.rank.batch.rows", unit: "{row}", description: "Candidate rows in one ranker forward pass");

    /// <summary>Seconds to build a recall shard's indexes (recsys_recall_shard_build_duration_seconds).</summary>
    public static readonly Histogram<double> ShardBuildSeconds =
        Meter.CreateHistogram<double>("recsys.recall.shard.build.duration", unit: "s", description: "Time to build one recall shard's HNSW indexes");

    /// <summary>Ranking requests dropped because their caller's deadline passed while queued (recsys_rank_dropped_total).</summary>
    public static readonly Counter<long> RankDropped =
        Meter.CreateCounter<long>("recsys.rank.dropped", unit: "{request}", description: "Ranking requests dropped unscored because their deadline passed in the queue");
}
