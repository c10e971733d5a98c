using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Pipeline;

/// <summary>Names of the recall channels (vector channels are named after their model, e.g. "gru4rec").</summary>
public static class ChannelNames
{
    /// <summary>The subject's own recent items, most recent first (only where the surface allows repeats).</summary>
    public const string History = "history";

    public const string ItemCf = "itemcf";

    /// <summary>Session-based kNN over the sessions (or users' histories) of the loaded data.</summary>
    public const string SessionKnn = "sknn";

    /// <summary>Decayed popularity: the trending channel, and the filler when other channels find too little.</summary>
    public const string Popularity = "popularity";
}

/// <summary>
/// The recall channels computed from the subject's history and data every silo holds (no ANN, no other grain): the
/// same code builds the ranker's training lists and serves requests.
/// </summary>
public static class LocalChannels
{
    /// <summary>
    /// The subject's own repeatable items, most recent first, scored 1 / (1 + steps since the item's latest
    /// occurrence): what a session comes back to. Items <paramref name="exclude"/> rejects are skipped.
    /// </summary>
    public static ChannelHits History(ReadOnlySpan<HistoryEvent> history, int quota, Func<int, bool> exclude)
    {
        var recency = new Dictionary<int, float>();
        var hits = new List<ScoredItem>();
        for (var h = history.Length - 1; h >= 0; h--)
        {
            var e = history[h];
            if (e.Item < 0 || recency.ContainsKey(e.Item))
            {
                continue;
            }
            var score = 1f / (history.Length - h);
            recency[e.Item] = score;
            if (e.Repeatable && hits.Count < quota && !exclude(e.Item))
            {
                hits.Add(new ScoredItem(e.Item, score));
            }
        }
        return new ChannelHits(ChannelNames.History, hits, new MapScorer(recency));
    }

    /// <summary>
    /// ItemCF: Σ weight(event) · decay^rank · sim(item, candidate) over the newest <paramref name="maxEvents"/> events
    /// (rank 0 = newest; events without positive weight count in the rank but add nothing).
    /// </summary>
    public static ChannelHits ItemCf(ItemCfModel model, ReadOnlySpan<HistoryEvent> history, int maxEvents, double decay, int quota, Func<int, bool> exclude)
    {
        var weighted = new List<(int Item, float Weight)>();
        var weight = 1.0;
        for (int h = history.Length - 1, used = 0; h >= 0 && used < maxEvents; h--, used++)
        {
            var e = history[h];
            if (e.Weight > 0 && e.Item >= 0 && e.Item < model.ItemCount)
            {
                weighted.Add((e.Item, (float)(e.Weight * weight)));
            }
            weight *= decay;
        }
        var scores = model.Scores(weighted);
        return new ChannelHits(ChannelNames.ItemCf, ItemCfModel.Top(scores, quota, exclude), new MapScorer(scores));
    }

    /// <summary>
    /// Session kNN (V-SKNN): the history's items (oldest first) as the session prefix; every item a neighbour session
    /// holds is scored (the scorer), the best <paramref name="quota"/> that <paramref name="exclude"/> accepts listed.
    /// </summary>
    public static ChannelHits SessionKnn(SessionKnnModel model, ReadOnlySpan<HistoryEvent> history, int quota, Func<int, bool> exclude, int self = -1)
    {
        var prefix = new List<int>(history.Length);
        foreach (var e in history)
        {
            if (e.Item >= 0 && e.Item < model.ItemCount)
            {
                prefix.Add(e.Item);
            }
        }
        var scores = model.Scores(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(prefix), self);
        return new ChannelHits(ChannelNames.SessionKnn, ItemCfModel.Top(scores, quota, exclude), new MapScorer(scores));
    }

    /// <summary>
    /// Popularity: the items of <paramref name="popular"/> (best first) that <paramref name="exclude"/> accepts, up to
    /// <paramref name="quota"/>; the scorer knows every item of <paramref name="popular"/>.
    /// </summary>
    public static ChannelHits Popularity(IReadOnlyList<ScoredItem> popular, int quota, Func<int, bool> exclude)
    {
        var hits = new List<ScoredItem>(quota);
        var map = new Dictionary<int, float>(popular.Count);
        foreach (var p in popular)
        {
            map.TryAdd(p.Item, p.Score);
            if (hits.Count < quota && !exclude(p.Item))
            {
                hits.Add(p);
            }
        }
        return new ChannelHits(ChannelNames.Popularity, hits, new MapScorer(map));
    }

    /// <summary>
    /// A vector channel over the whole catalogue, exactly (the serving path searches sharded HNSW indexes, which
    /// approximate this): the <paramref name="quota"/> best items by the model's score that <paramref name="exclude"/>
    /// accepts.
    /// </summary>
    public static ChannelHits ExactVector(string channel, float[] query, int itemCount, ScoreItemsDelegate score, int quota, Func<int, bool> exclude)
    {
        var items = new int[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            items[i] = i;
        }
        var scores = new float[itemCount];
        score(query, items, scores);
        var top = new TopK(quota);
        for (var i = 0; i < itemCount; i++)
        {
            if (!exclude(i))
            {
                top.Offer(i, scores[i]);
            }
        }
        return new ChannelHits(channel, top.ToSortedArray(), new VectorScorer(i => (uint)i < (uint)itemCount, score, query));
    }

    /// <summary>
    /// The items a request may not return: every item of the history when repeats are not allowed, else the history's
    /// items that are not repeatable (rated, purchased, skipped), plus <paramref name="more"/> (the request's
    /// exclusions).
    /// </summary>
    public static HashSet<int> Excluded(ReadOnlySpan<HistoryEvent> history, bool allowRepeats, IEnumerable<int>? more = null)
    {
        var excluded = new HashSet<int>();
        foreach (var e in history)
        {
            if (e.Item < 0)
            {
                continue;
            }
            if (!allowRepeats || !e.Repeatable)
            {
                excluded.Add(e.Item);
            }
        }
        if (more is not null)
        {
            excluded.UnionWith(more);
        }
        return excluded;
    }
}
