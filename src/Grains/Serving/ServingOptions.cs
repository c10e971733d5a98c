using RecSys.Models.Pipeline;

namespace RecSys.Grains.Serving;

/// <summary>
/// Bounds and constants of the live serving path, bound from configuration section "RecSys:Serving".
/// Every default lives here.
/// </summary>
public sealed class ServingOptions
{
    public const string Section = "RecSys:Serving";

    /// <summary>(int) Interactions kept per user, newest last.</summary>
    public int RecentEvents { get; set; } = CandidatePipelineOptions.Default.MaxHistory;

    /// <summary>(int) Distinct items remembered as seen per user (oldest forgotten first).</summary>
    public int SeenItems { get; set; } = 5000;

    /// <summary>(int) Client event ids remembered per user for idempotent retries.</summary>
    public int RememberedEventIds { get; set; } = 2000;

    /// <summary>(int) Event keys remembered per item so a retried batch does not count twice.</summary>
    public int ItemRememberedEventKeys { get; set; } = 2000;

    /// <summary>(int) Most recent interactions whose ItemCF neighbours feed a recommendation.</summary>
    public int ItemCfHistory { get; set; } = CandidatePipelineOptions.Default.ItemCfHistory;

    /// <summary>(double) Per-step recency discount of history items for ItemCF (newest weighs 1).</summary>
    public double HistoryRecencyDecay { get; set; } = CandidatePipelineOptions.Default.HistoryRecencyDecay;

    /// <summary>(TimeSpan) Half-life of live popularity and item counters.</summary>
    public TimeSpan PopularityHalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>(TimeSpan) How long a recommender activation reuses a popularity list.</summary>
    public TimeSpan PopularityCacheDuration { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>(TimeSpan) How often the popularity aggregate persists accumulated live engagement.</summary>
    public TimeSpan PopularityFlushInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// (TimeSpan) How often each silo polls the blocked-items registry. A block or unblock takes effect at once on the
    /// registry's silo and within this interval (plus one call) on the others.
    /// </summary>
    public TimeSpan BlockedItemsRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// (string) Recall channels in priority order (comma-separated; the order breaks ties in the merge and orders an
    /// unranked list). A recall model's name ("gru4rec", "sasrec", "youtubednn", ...) is an ANN channel when the version
    /// holds that model; "history" (the subject's own repeatable items, where repeats are allowed), "itemcf" and
    /// "popularity" run from the subject's history and the loaded data. A ranker trained on other channels reads
    /// "not found" for the missing ones. docs/quality.md has the ablation behind the default.
    /// </summary>
    public string Channels { get; set; } = string.Join(',', CandidatePipelineOptions.Default.Channels);

    /// <summary>(bool) May a user's recommendations hold items the user only viewed, clicked or liked (per request: ?repeats=)?</summary>
    public bool UserRepeats { get; set; }

    /// <summary>(bool) May an anonymous session's recommendations hold items it only viewed, clicked or liked (per request: ?repeats=)?</summary>
    public bool SessionRepeats { get; set; } = true;

    /// <summary>(int) The subject's own items the history channel contributes at most (where repeats are allowed).</summary>
    public int HistoryQuota { get; set; } = CandidatePipelineOptions.Default.HistoryQuota;

    /// <summary>
    /// (string) Ranker to use when a version holds it; otherwise the version's first ranker. "none": keep the recall
    /// order even when the version has a ranker.
    /// </summary>
    public string Ranker { get; set; } = "lr";

    /// <summary>
    /// (string) The task whose probability orders the list, for rankers with several ("click", "like" for data with
    /// ratings); a ranker without it uses its first task.
    /// </summary>
    public string RankTask { get; set; } = "click";

    /// <summary>True when <see cref="Ranker"/> is "none".</summary>
    public bool RanksWithoutRanker => Ranker.Trim().Equals("none", StringComparison.OrdinalIgnoreCase);

    /// <summary>(string) Device for rankers: "auto" (CUDA when present, else CPU), "cpu" or "cuda[:N]".</summary>
    public string Device { get; set; } = "auto";

    /// <summary>(int) Recall shard grains per version; each holds 1/N of the item vectors of every vector model.</summary>
    public int RecallShards { get; set; } = 4;

    /// <summary>(int) HNSW search breadth (at least the number of neighbours asked for).</summary>
    public int HnswEfSearch { get; set; } = 64;

    /// <summary>(int) Candidates each vector channel (and ItemCF) contributes at most.</summary>
    public int ChannelQuota { get; set; } = CandidatePipelineOptions.Default.ChannelQuota;

    /// <summary>(int) Candidates the trending channel contributes at most.</summary>
    public int TrendingQuota { get; set; } = CandidatePipelineOptions.Default.PopularityQuota;

    /// <summary>
    /// (int) Candidates ranked per request at most (the merged union is cut to this, taking the channels' best in
    /// turns). 100, not the ~150 the default quotas merge to: DIN's cost is per candidate, and on a two-core silo at
    /// 500 requests/s the full union took p99 past the 50 ms bar where 100 stayed well under it (docs/benchmarks.md).
    /// </summary>
    public int MaxCandidates { get; set; } = CandidatePipelineOptions.Default.MaxCandidates;

    /// <summary>(TimeSpan) A recall channel that has not answered by then is left out of the answer.</summary>
    public TimeSpan ChannelTimeout { get; set; } = TimeSpan.FromMilliseconds(40);

    /// <summary>(TimeSpan) Ranking that has not answered by then leaves the recall order in place.</summary>
    public TimeSpan RankTimeout { get; set; } = TimeSpan.FromMilliseconds(150);

    /// <summary>(TimeSpan) How long the ranker waits to gather concurrent requests into one forward pass.</summary>
    public TimeSpan RankBatchDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    /// <summary>(int) Candidate rows per forward pass at most.</summary>
    public int RankMaxBatchRows { get; set; } = 2048;

    /// <summary>
    /// (int) Forward passes running at once per silo (ranking workers; each holds its own copy of the ranker). Two
    /// where there are two cores: one worker encodes while the other runs its pass, and under load both run passes
    /// (docs/benchmarks.md compares one and two on two cores); more take the cores the rest of the request path needs.
    /// </summary>
    public int RankConcurrency { get; set; } = Math.Clamp(Environment.ProcessorCount, 1, 2);

    /// <summary>
    /// (int) libtorch intra-op threads per forward pass, set once per process. 1 by default: a serving process runs
    /// many small passes side by side (rank workers, live GRU steps), where splitting each pass over every core adds
    /// hand-offs and OpenMP spin-waits that take CPU from the requests; parallelism comes from the workers instead.
    /// </summary>
    public int TorchThreads { get; set; } = 1;

    /// <summary>The channel names, in priority order.</summary>
    public IReadOnlyList<string> ChannelList => Channels.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The recall stage these options configure (the ranker's training lists are built with the same).</summary>
    public CandidatePipelineOptions Pipeline => new()
    {
        Channels = ChannelList,
        ChannelQuota = ChannelQuota,
        PopularityQuota = TrendingQuota,
        HistoryQuota = HistoryQuota,
        MaxCandidates = MaxCandidates,
        ItemCfHistory = ItemCfHistory,
        HistoryRecencyDecay = HistoryRecencyDecay,
        MaxHistory = RecentEvents,
    };

    public IEnumerable<string> Validate()
    {
        if (RecallShards is < 1 or > 1024) yield return "RecSys:Serving:RecallShards must be from 1 to 1024";
        if (ChannelList.Count == 0) yield return "RecSys:Serving:Channels must name at least one channel (e.g. itemcf,popularity)";
        if (HistoryQuota < 0) yield return "RecSys:Serving:HistoryQuota must not be negative";
        if (HnswEfSearch < 1) yield return "RecSys:Serving:HnswEfSearch must be at least 1";
        if (ChannelQuota < 1) yield return "RecSys:Serving:ChannelQuota must be at least 1";
        if (TrendingQuota < 0) yield return "RecSys:Serving:TrendingQuota must not be negative";
        if (MaxCandidates < 1) yield return "RecSys:Serving:MaxCandidates must be at least 1";
        if (ChannelTimeout <= TimeSpan.Zero) yield return "RecSys:Serving:ChannelTimeout must be positive";
        if (RankTimeout <= TimeSpan.Zero) yield return "RecSys:Serving:RankTimeout must be positive";
        if (RankBatchDelay < TimeSpan.Zero) yield return "RecSys:Serving:RankBatchDelay must not be negative";
        if (RankMaxBatchRows < 1) yield return "RecSys:Serving:RankMaxBatchRows must be at least 1";
        if (RankConcurrency is < 1 or > 64) yield return "RecSys:Serving:RankConcurrency must be from 1 to 64";
        if (TorchThreads is < 1 or > 256) yield return "RecSys:Serving:TorchThreads must be from 1 to 256";
        if (RecentEvents < 1) yield return "RecSys:Serving:RecentEvents must be at least 1";
        if (SeenItems < 1) yield return "RecSys:Serving:SeenItems must be at least 1";
        if (SeenItems < RecentEvents) yield return "RecSys:Serving:SeenItems must be at least RecentEvents (every recent item counts as seen)";
        if (RememberedEventIds < 0) yield return "RecSys:Serving:RememberedEventIds must not be negative";
        if (ItemRememberedEventKeys < 0) yield return "RecSys:Serving:ItemRememberedEventKeys must not be negative";
        if (ItemCfHistory < 1) yield return "RecSys:Serving:ItemCfHistory must be at least 1";
        if (HistoryRecencyDecay is <= 0 or > 1) yield return "RecSys:Serving:HistoryRecencyDecay must be in (0, 1]";
        if (PopularityHalfLife <= TimeSpan.Zero) yield return "RecSys:Serving:PopularityHalfLife must be positive";
        if (PopularityFlushInterval <= TimeSpan.Zero) yield return "RecSys:Serving:PopularityFlushInterval must be positive";
        if (BlockedItemsRefreshInterval <= TimeSpan.Zero) yield return "RecSys:Serving:BlockedItemsRefreshInterval must be positive";
    }
}
