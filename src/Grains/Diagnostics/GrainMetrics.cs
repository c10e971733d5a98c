using System.Diagnostics.Metrics;

namespace RecSys.Grains.Diagnostics;

/// <summary>Instruments the grains report on the "RecSys" meter.</summary>
public static class GrainMetrics
{
    private static readonly Meter Meter = new(Telemetry.MeterName);

    /// <summary>Items returned by the request path, by recall channel (recsys_recommended_items_total).</summary>
    public static readonly Counter<long> RecommendedItems =
        Meter.CreateCounter<long>("recsys.recommended.items", unit: "{item}", description: "Items returned by recommendations, by channel");

    /// <summary>Duplicate events ignored thanks to their event id (recsys_events_duplicate_total).</summary>
    public static readonly Counter<long> DuplicateEvents =
        Meter.CreateCounter<long>("recsys.events.duplicate", unit: "{event}", description: "Events ignored because their eventId was already recorded");
}
