namespace RecSys.Models.Recall.Session;

/// <summary>
/// Top-k of sparse scores in the order every session model and the session evaluator use: higher score first, then
/// the more popular item, then the smaller index. Scores are compared as the floats returned (and written by
/// <see cref="Fill"/>), so the sparse and dense answers rank alike.
/// </summary>
internal static class SessionTopK
{
    /// <summary>The best <paramref name="count"/> positive scores, skipping what <paramref name="exclude"/> rejects.</summary>
    public static ScoredItem[] Select(IEnumerable<KeyValuePair<int, double>> scores, IReadOnlyList<int> popularity, int count, Func<int, bool>? exclude)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count == 0)
        {
            return [];
        }
        // A min-heap on (score, popularity, -item): the root is the worst kept item.
        var heap = new PriorityQueue<int, (float Score, int Popularity, int NegativeItem)>(count + 1);
        foreach (var (item, score) in scores)
        {
            if (!(score > 0) || (exclude is not null && exclude(item)))
            {
                continue;
            }
            var key = ((float)score, popularity[item], -item);
            if (heap.Count < count)
            {
                heap.Enqueue(item, key);
            }
            else if (heap.TryPeek(out _, out var worst) && key.CompareTo(worst) > 0)
            {
                heap.DequeueEnqueue(item, key);
            }
        }
        var result = new ScoredItem[heap.Count];
        for (var n = result.Length - 1; n >= 0; n--)
        {
            heap.TryDequeue(out var item, out var key);
            result[n] = new ScoredItem(item, key.Score);
        }
        return result;
    }

    /// <summary>Writes sparse scores into a dense span (zero elsewhere).</summary>
    public static void Fill(IEnumerable<KeyValuePair<int, double>> scores, Span<float> dense)
    {
        dense.Clear();
        foreach (var (item, score) in scores)
        {
            dense[item] = (float)score;
        }
    }
}
