namespace RecSys.Grains.Serving;

/// <summary>
/// Bounds and constants of the live serving path, bound from configuration section "RecSys:Serving".
/// Every default lives here.
/// </summary>
public sealed class ServingOptions
{
    public const string Section = "RecSys:Serving";

    /// <summary>(int) Interactions kept per user, newest last.</summary>
    public int RecentEvents { get; set; } = 200;

    /// <summary>(int) Distinct items remembered as seen per user (oldest forgotten first).</summary>
    public int SeenItems { get; set; } = 5000;

    /// <summary>(int) Client event ids remembered per user for idempotent retries.</summary>
    public int RememberedEventIds { get; set; } = 2000;

    /// <summary>(int) Event keys remembered per item so a retried batch does not count twice.</summary>
    public int ItemRememberedEventKeys { get; set; } = 2000;

    /// <summary>(int) Most recent interactions whose ItemCF neighbours feed a recommendation.</summary>
    public int ItemCfHistory { get; set; } = 30;

    /// <summary>(double) Per-step recency discount of history items for ItemCF (newest weighs 1).</summary>
    public double HistoryRecencyDecay { get; set; } = 0.9;

    /// <summary>(TimeSpan) Half-life of live popularity and item counters.</summary>
    public TimeSpan PopularityHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>(TimeSpan) How long a recommender activation reuses a popularity list.</summary>
    public TimeSpan PopularityCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>(TimeSpan) How often the popularity aggregate persists accumulated live engagement.</summary>
    public TimeSpan PopularityFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    public IEnumerable<string> Validate()
    {
        if (RecentEvents < 1) yield return "RecSys:Serving:RecentEvents must be at least 1";
        if (SeenItems < 1) yield return "RecSys:Serving:SeenItems must be at least 1";
        if (SeenItems < RecentEvents) yield return "RecSys:Serving:SeenItems must be at least RecentEvents (every recent item counts as seen)";
        if (RememberedEventIds < 0) yield return "RecSys:Serving:RememberedEventIds must not be negative";
        if (ItemRememberedEventKeys < 0) yield return "RecSys:Serving:ItemRememberedEventKeys must not be negative";
        if (ItemCfHistory < 1) yield return "RecSys:Serving:ItemCfHistory must be at least 1";
        if (HistoryRecencyDecay is <= 0 or > 1) yield return "RecSys:Serving:HistoryRecencyDecay must be in (0, 1]";
        if (PopularityHalfLife <= TimeSpan.Zero) yield return "RecSys:Serving:PopularityHalfLife must be positive";
        if (PopularityFlushInterval <= TimeSpan.Zero) yield return "RecSys:Serving:PopularityFlushInterval must be positive";
    }
}
