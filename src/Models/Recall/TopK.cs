namespace RecSys.Models.Recall;

/// <summary>
/// Keeps the k best (highest score) items seen so far with a min-heap: O(n log k) over n offers.
/// Ties are broken towards the smaller item index so results are deterministic. Not thread-safe.
/// </summary>
public sealed class TopK
{
    private readonly ScoredItem[] _heap;
    private int _count;

    public TopK(int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        _heap = new ScoredItem[k];
    }

    public int Count => _count;

    public void Clear() => _count = 0;

    public void Offer(int item, float score)
    {
        if (_heap.Length == 0 || float.IsNaN(score))
        {
            return;
        }
        var candidate = new ScoredItem(item, score);
        if (_count < _heap.Length)
        {
            _heap[_count] = candidate;
            SiftUp(_count++);
        }
        else if (Better(candidate, _heap[0]))
        {
            _heap[0] = candidate;
            SiftDown(0);
        }
    }

    /// <summary>The kept items, best first.</summary>
    public ScoredItem[] ToSortedArray()
    {
        var result = _heap.AsSpan(0, _count).ToArray();
        Array.Sort(result, static (a, b) => Better(a, b) ? -1 : Better(b, a) ? 1 : 0);
        return result;
    }

    private static bool Better(ScoredItem a, ScoredItem b) => a.Score > b.Score || (a.Score == b.Score && a.Item < b.Item);

    private void SiftUp(int i)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Better(_heap[parent], _heap[i]))
            {
                break;
            }
            (_heap[parent], _heap[i]) = (_heap[i], _heap[parent]);
            i = parent;
        }
    }

    private void SiftDown(int i)
    {
        while (true)
        {
            var left = 2 * i + 1;
            if (left >= _count)
            {
                break;
            }
            var worst = left;
            var right = left + 1;
            if (right < _count && Better(_heap[worst], _heap[right]))
            {
                worst = right;
            }
            if (!Better(_heap[i], _heap[worst]))
            {
                break;
            }
            (_heap[i], _heap[worst]) = (_heap[worst], _heap[i]);
            i = worst;
        }
    }
}
