using RecSys.Models.Recall;

namespace RecSys.Models.Pipeline;

/// <summary>
/// What one recall channel found for one request: item indices (of the serving item vocabulary) with the channel's
/// scores, best first, and how the channel scores any other item (so the ranker sees every channel's opinion of every
/// candidate, not only of the ones it found).
/// </summary>
/// <param name="Channel">The channel's name ("itemcf", "gru4rec", "history", ...).</param>
/// <param name="Hits">Best first; already without excluded and blocked items.</param>
/// <param name="Scorer">Scores arbitrary items (null: items off the list score 0).</param>
public sealed record ChannelHits(string Channel, IReadOnlyList<ScoredItem> Hits, IChannelScorer? Scorer = null);

/// <summary>Scores items for one request the way a channel does (thread-safe for its request).</summary>
public interface IChannelScorer
{
    /// <summary>Writes the channel's score of each of <paramref name="items"/> (0 for an item it has no opinion of).</summary>
    void Score(ReadOnlySpan<int> items, Span<float> scores);
}

/// <summary>Scores from a sparse map (ItemCF, session kNN, rules): items it does not hold score 0.</summary>
public sealed class MapScorer(IReadOnlyDictionary<int, float> map) : IChannelScorer
{
    public void Score(ReadOnlySpan<int> items, Span<float> scores)
    {
        for (var n = 0; n < items.Length; n++)
        {
            scores[n] = map.TryGetValue(items[n], out var s) ? s : 0f;
        }
    }
}

/// <summary>Scores of a vector model: its query vector against the items' vectors (the model's own logit).</summary>
public sealed class VectorScorer(Func<int, bool> known, ScoreItemsDelegate score, float[] query) : IChannelScorer
{
    public void Score(ReadOnlySpan<int> items, Span<float> scores)
    {
        Span<int> valid = items.Length <= 512 ? stackalloc int[items.Length] : new int[items.Length];
        for (var n = 0; n < items.Length; n++)
        {
            valid[n] = known(items[n]) ? items[n] : 0;
        }
        score(query, valid, scores);
        for (var n = 0; n < items.Length; n++)
        {
            if (!known(items[n]))
            {
                scores[n] = 0f;
            }
        }
    }
}

/// <summary>A model's <c>ScoreItems(query, items, scores)</c>.</summary>
public delegate void ScoreItemsDelegate(ReadOnlySpan<float> query, ReadOnlySpan<int> items, Span<float> scores);

/// <summary>One merged candidate: the channel credited with it (the one that ranked it highest) and that channel's score and position.</summary>
public readonly record struct Candidate(int Item, string Channel, float Score, int Position);

/// <summary>How the channels' lists become one candidate list.</summary>
public static class CandidateMerge
{
    /// <summary>
    /// The union of the channels' lists: each item once, credited to the channel that ranked it highest (ties go to the
    /// channel listed first), cut to <paramref name="limit"/> by taking the channels' lists in turns so every channel is
    /// represented. The order is the turn order: position 0 of every channel, then position 1, ...
    /// </summary>
    public static List<Candidate> Merge(IReadOnlyList<ChannelHits> lists, int limit)
    {
        var best = new Dictionary<int, Candidate>();
        foreach (var list in lists)
        {
            for (var p = 0; p < list.Hits.Count; p++)
            {
                var hit = list.Hits[p];
                if (!best.TryGetValue(hit.Item, out var seen) || p < seen.Position)
                {
                    best[hit.Item] = new Candidate(hit.Item, list.Channel, hit.Score, p);
                }
            }
        }
        var merged = new List<Candidate>(Math.Min(limit, best.Count));
        var taken = new HashSet<int>();
        var depth = lists.Count == 0 ? 0 : lists.Max(l => l.Hits.Count);
        for (var position = 0; position < depth && merged.Count < limit; position++)
        {
            foreach (var list in lists)
            {
                if (position < list.Hits.Count && best[list.Hits[position].Item] is var c && c.Channel == list.Channel && taken.Add(c.Item))
                {
                    merged.Add(c);
                    if (merged.Count == limit)
                    {
                        break;
                    }
                }
            }
        }
        return merged;
    }
}
