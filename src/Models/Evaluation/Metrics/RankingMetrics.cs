namespace RecSys.Models.Evaluation.Metrics;

/// <summary>
/// A per-user top-K metric, averaged over evaluated users. <c>ranked</c> is the model's list for one user, best
/// first, at most K long; <c>relevant</c> is the user's held-out items (binary relevance).
/// </summary>
public interface IRankingMetric
{
    /// <summary>Key in reports, e.g. "ndcg@10".</summary>
    string Name { get; }

    bool HigherIsBetter => true;

    double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant);
}

/// <summary>Hits in the top K divided by K (a list shorter than K still divides by K).</summary>
public sealed class PrecisionAtK(int k) : IRankingMetric
{
    public string Name => $"precision@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant) => Hits(ranked, relevant, k) / (double)k;

    internal static int Hits(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant, int k)
    {
        var hits = 0;
        foreach (var item in ranked[..Math.Min(k, ranked.Length)])
        {
            if (relevant.Contains(item))
            {
                hits++;
            }
        }
        return hits;
    }
}

/// <summary>Hits in the top K divided by the number of relevant items.</summary>
public sealed class RecallAtK(int k) : IRankingMetric
{
    public string Name => $"recall@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant) =>
        relevant.Count == 0 ? 0 : PrecisionAtK.Hits(ranked, relevant, k) / (double)relevant.Count;
}

/// <summary>
/// Binary-relevance nDCG: Σ 1/log2(rank + 1) over hits, divided by the same sum for an ideal list of
/// min(|relevant|, K) hits. (Microsoft Recommenders uses ln; the ratio is the same.)
/// </summary>
public sealed class NdcgAtK(int k) : IRankingMetric
{
    public string Name => $"ndcg@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant)
    {
        if (relevant.Count == 0)
        {
            return 0;
        }
        var dcg = 0.0;
        var top = ranked[..Math.Min(k, ranked.Length)];
        for (var r = 0; r < top.Length; r++)
        {
            if (relevant.Contains(top[r]))
            {
                dcg += 1.0 / Math.Log2(r + 2);
            }
        }
        var idcg = 0.0;
        for (var r = 0; r < Math.Min(k, relevant.Count); r++)
        {
            idcg += 1.0 / Math.Log2(r + 2);
        }
        return dcg / idcg;
    }
}

/// <summary>Which denominator average precision uses.</summary>
public enum AveragePrecisionNormalization
{
    /// <summary>
    /// Microsoft Recommenders' <c>map</c> (the "MAP" column of its benchmark tables): divide by the user's number
    /// of relevant items, so users with many held-out items can never reach 1 at small K.
    /// </summary>
    RelevantCount,

    /// <summary>RecBole's MAP@K: divide by min(|relevant|, K).</summary>
    MinRelevantK,
}

/// <summary>
/// Mean average precision at K: Σ over hits of (hits so far / rank), divided per
/// <see cref="AveragePrecisionNormalization"/>. "map@K" is the Microsoft Recommenders definition,
/// "map_recbole@K" the RecBole one.
/// </summary>
public sealed class MapAtK(int k, AveragePrecisionNormalization normalization = AveragePrecisionNormalization.RelevantCount) : IRankingMetric
{
    public string Name => normalization == AveragePrecisionNormalization.RelevantCount ? $"map@{k}" : $"map_recbole@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant)
    {
        if (relevant.Count == 0)
        {
            return 0;
        }
        var hits = 0;
        var sum = 0.0;
        var top = ranked[..Math.Min(k, ranked.Length)];
        for (var r = 0; r < top.Length; r++)
        {
            if (relevant.Contains(top[r]))
            {
                hits++;
                sum += hits / (double)(r + 1);
            }
        }
        var denominator = normalization == AveragePrecisionNormalization.RelevantCount ? relevant.Count : Math.Min(relevant.Count, k);
        return sum / denominator;
    }
}

/// <summary>1 when any relevant item is in the top K, else 0.</summary>
public sealed class HitRateAtK(int k) : IRankingMetric
{
    public string Name => $"hit@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant) => PrecisionAtK.Hits(ranked, relevant, k) > 0 ? 1 : 0;
}

/// <summary>1 / rank of the first relevant item within the top K, else 0.</summary>
public sealed class MrrAtK(int k) : IRankingMetric
{
    public string Name => $"mrr@{k}";

    public double Compute(ReadOnlySpan<int> ranked, IReadOnlySet<int> relevant)
    {
        var top = ranked[..Math.Min(k, ranked.Length)];
        for (var r = 0; r < top.Length; r++)
        {
            if (relevant.Contains(top[r]))
            {
                return 1.0 / (r + 1);
            }
        }
        return 0;
    }
}
