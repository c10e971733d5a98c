namespace RecSys.Models.Pipeline;

/// <summary>
/// What the recall stage of a request does: which channels run (in priority order: it decides ties in the merge and
/// the order of an unranked list), how many candidates each contributes, and how many are ranked. Serving binds these
/// from RecSys:Serving (<c>ServingOptions</c> takes its defaults from here); the ranker's training lists are built with
/// the same values, so the ranker learns from the lists serving produces.
/// </summary>
public sealed record CandidatePipelineOptions
{
    /// <summary>The defaults.</summary>
    public static CandidatePipelineOptions Default { get; } = new();

    /// <summary>
    /// (string[]) Channels in priority order. Vector channels are named after their model and run when the version
    /// has that model; "history", "sknn", "itemcf" and "popularity" are computed from the subject's history and the
    /// loaded data.
    /// </summary>
    public IReadOnlyList<string> Channels { get; init; } = ["history", "gru4rec", "sasrec", "youtubednn", "item2vec", "deepwalk", "sknn", "itemcf", "popularity"];

    /// <summary>(int) Candidates each vector channel, session kNN and ItemCF contribute at most.</summary>
    public int ChannelQuota { get; init; } = 60;

    /// <summary>(int) Candidates the popularity (trending) channel contributes at most.</summary>
    public int PopularityQuota { get; init; } = 40;

    /// <summary>(int) The subject's own items the history channel contributes at most (where repeats are allowed).</summary>
    public int HistoryQuota { get; init; } = 30;

    /// <summary>(int) Candidates ranked per request at most (the merged union is cut to this, channels taking turns).</summary>
    public int MaxCandidates { get; init; } = 100;

    /// <summary>(int) Most recent interactions whose ItemCF neighbours feed a recommendation.</summary>
    public int ItemCfHistory { get; init; } = 30;

    /// <summary>(double) Per-step recency discount of history items for ItemCF (newest weighs 1).</summary>
    public double HistoryRecencyDecay { get; init; } = 0.9;

    /// <summary>(int) Interactions of a subject's history the pipeline reads (serving keeps this many per user).</summary>
    public int MaxHistory { get; init; } = 200;

    /// <summary>(int) Length of the popularity list the trending channel and its feature read.</summary>
    public int PopularList { get; init; } = 500;

    public IEnumerable<string> Validate()
    {
        if (Channels.Count == 0) yield return "Channels must name at least one channel";
        if (ChannelQuota < 1) yield return "ChannelQuota must be at least 1";
        if (PopularityQuota < 0) yield return "PopularityQuota must not be negative";
        if (HistoryQuota < 0) yield return "HistoryQuota must not be negative";
        if (MaxCandidates < 1) yield return "MaxCandidates must be at least 1";
        if (ItemCfHistory < 1) yield return "ItemCfHistory must be at least 1";
        if (HistoryRecencyDecay is <= 0 or > 1) yield return "HistoryRecencyDecay must be in (0, 1]";
        if (MaxHistory < 1) yield return "MaxHistory must be at least 1";
        if (PopularList < 1) yield return "PopularList must be at least 1";
    }
}
