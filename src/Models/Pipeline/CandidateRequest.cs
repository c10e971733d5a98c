using RecSys.Models.Data;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Pipeline;

/// <summary>
/// The data every silo holds for the channels that run without other grains: ItemCF's neighbours and the popular
/// items of the loaded data (session kNN joins them), plus how the pipeline is configured.
/// </summary>
/// <param name="ItemCf">Item neighbours over the item vocabulary the candidates are indexed by.</param>
/// <param name="Popular">The most popular items, best first (<see cref="CandidatePipelineOptions.PopularList"/> long).</param>
/// <param name="SessionKnn">V-SKNN over the data's sessions (each user's history is one), or null.</param>
public sealed record LocalRecallData(ItemCfModel ItemCf, IReadOnlyList<ScoredItem> Popular, SessionKnnModel? SessionKnn = null)
{
    /// <summary>
    /// The session kNN of <paramref name="dataset"/>'s subjects: one session per user, its items in time order, dated by
    /// its first interaction; session s is user s.
    /// </summary>
    public static SessionKnnModel BuildSessionKnn(InteractionDataset dataset, IReadOnlyList<Interaction>? interactions = null)
    {
        var sessions = new List<int>[dataset.UserCount];
        var starts = new long[dataset.UserCount];
        Array.Fill(starts, long.MaxValue);
        var ordered = (interactions ?? dataset.Interactions).Select((i, n) => (i, n)).OrderBy(x => x.i.Timestamp).ThenBy(x => x.n);
        foreach (var (i, _) in ordered)
        {
            (sessions[i.User] ??= []).Add(i.Item);
            starts[i.User] = Math.Min(starts[i.User], i.Timestamp);
        }
        return SessionKnnModel.Build(
            [.. sessions.Select(s => s is null ? Array.Empty<int>() : [.. s])],
            dataset.ItemCount,
            new SessionKnnOptions { Weighting = PrefixWeighting.Linear },
            starts);
    }
}

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
    /// <param name="self">The subject's own session among <see cref="LocalRecallData.SessionKnn"/>'s (a user of the
    /// loaded data), or −1: it is never its own neighbour.</param>
    public static List<ChannelHits> LocalLists(CandidatePipelineOptions options, LocalRecallData data, ReadOnlySpan<HistoryEvent> history, bool allowRepeats, Func<int, bool> exclude, int self = -1)
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
                case ChannelNames.SessionKnn when history.Length > 0 && data.SessionKnn is not null:
                    lists.Add(LocalChannels.SessionKnn(data.SessionKnn, history, options.ChannelQuota, exclude, self));
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
        channel is ChannelNames.History or ChannelNames.ItemCf or ChannelNames.Popularity
        || (channel == ChannelNames.SessionKnn && data.SessionKnn is not null);

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
