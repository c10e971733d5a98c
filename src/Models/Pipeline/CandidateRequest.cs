using RecSys.Models.Recall;

namespace RecSys.Models.Pipeline;

/// <summary>
/// The data every silo holds for the channels that run without other grains: ItemCF's neighbours and the popular
/// items of the loaded data (session kNN joins them), plus how the pipeline is configured.
/// </summary>
/// <param name="ItemCf">Item neighbours over the item vocabulary the candidates are indexed by.</param>
/// <param name="Popular">The most popular items, best first (<see cref="CandidatePipelineOptions.PopularList"/> long).</param>
public sealed record LocalRecallData(ItemCfModel ItemCf, IReadOnlyList<ScoredItem> Popular);

/// <summary>
/// One request through the recall stage, the same way for serving and for the ranker's training lists: the local
/// channels computed from the subject's history, the vector channels' lists added by the caller (serving searches the
/// recall shards; training searches exactly), everything put in channel priority order, merged and described by
/// <see cref="CandidateFeatures"/>.
/// </summary>
public static class CandidateRequest
{
    /// <summary>
    /// The lists of the local channels named in <paramref name="options"/> that <paramref name="data"/> can run,
    /// for <paramref name="history"/> (oldest first, at most <see cref="CandidatePipelineOptions.MaxHistory"/> read),
    /// skipping what <paramref name="exclude"/> rejects. "history" runs only when <paramref name="allowRepeats"/>.
    /// </summary>
    public static List<ChannelHits> LocalLists(CandidatePipelineOptions options, LocalRecallData data, ReadOnlySpan<HistoryEvent> history, bool allowRepeats, Func<int, bool> exclude)
    {
        if (history.Length > options.MaxHistory)
        {
            history = history[^options.MaxHistory..];
        }
        var lists = new List<ChannelHits>();
        foreach (var channel in options.Channels)
        {
            switch (channel)
            {
                case ChannelNames.History when allowRepeats && history.Length > 0:
                    lists.Add(LocalChannels.History(history, options.HistoryQuota, exclude));
                    break;
                case ChannelNames.ItemCf when history.Length > 0:
                    lists.Add(LocalChannels.ItemCf(data.ItemCf, history, options.ItemCfHistory, options.HistoryRecencyDecay, options.ChannelQuota, exclude));
                    break;
                case ChannelNames.Popularity:
                    lists.Add(LocalChannels.Popularity(data.Popular, options.PopularityQuota, exclude));
                    break;
            }
        }
        return lists;
    }

    /// <summary>True if <paramref name="channel"/> is a local channel that <paramref name="data"/> can run.</summary>
    public static bool IsLocal(string channel, LocalRecallData data) =>
        channel is ChannelNames.History or ChannelNames.ItemCf or ChannelNames.Popularity;

    /// <summary><paramref name="lists"/> in the priority order of <see cref="CandidatePipelineOptions.Channels"/> (unknown channels last).</summary>
    public static List<ChannelHits> InPriorityOrder(CandidatePipelineOptions options, IEnumerable<ChannelHits> lists) =>
    [
        .. lists.OrderBy(l =>
        {
            var rank = -1;
            for (var c = 0; c < options.Channels.Count; c++)
            {
                if (options.Channels[c] == l.Channel)
                {
                    rank = c;
                    break;
                }
            }
            return rank < 0 ? int.MaxValue : rank;
        }),
    ];

    /// <summary>The merged candidates of <paramref name="lists"/> (already in priority order), at most <see cref="CandidatePipelineOptions.MaxCandidates"/>.</summary>
    public static List<Candidate> Merge(CandidatePipelineOptions options, IReadOnlyList<ChannelHits> lists, int atLeast = 0) =>
        CandidateMerge.Merge(lists, Math.Max(options.MaxCandidates, atLeast));
}

/// <summary>How candidates are ordered when no ranker orders them.</summary>
public static class CandidateOrder
{
    /// <summary>
    /// The personal channels' candidates in merged order, then the popular ones, so a subject with history sees what
    /// its history suggests before what everyone watches.
    /// </summary>
    public static List<Candidate> WithoutRanker(IReadOnlyList<Candidate> candidates) =>
        [.. candidates.Where(c => c.Channel != ChannelNames.Popularity), .. candidates.Where(c => c.Channel == ChannelNames.Popularity)];
}
