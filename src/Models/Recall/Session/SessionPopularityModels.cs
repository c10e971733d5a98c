namespace RecSys.Models.Recall.Session;

/// <summary>
/// Global popularity over the training sessions (session-rec's <c>pop</c>; the reference script's <c>pop</c>): every
/// item scores its number of occurrences (repeats count), whatever the prefix. Immutable and thread-safe.
/// </summary>
public sealed class SessionPopularityModel : ISessionRecommender
{
    private readonly int[] _popularity;
    private readonly int[] _ranked;

    private SessionPopularityModel(int[] popularity)
    {
        _popularity = popularity;
        _ranked = RankByPopularity(popularity);
    }

    public int ItemCount => _popularity.Length;

    public IReadOnlyList<int> Popularity => _popularity;

    public static SessionPopularityModel Build(IReadOnlyList<int[]> sessions, int itemCount) =>
        new(SessionIndex.Build(sessions, itemCount).Popularity);

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores)
    {
        for (var i = 0; i < _popularity.Length; i++)
        {
            scores[i] = _popularity[i];
        }
    }

    public ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null)
    {
        var result = new List<ScoredItem>(Math.Min(count, _ranked.Length));
        foreach (var item in _ranked)
        {
            if (result.Count >= count)
            {
                break;
            }
            if (exclude is null || !exclude(item))
            {
                result.Add(new ScoredItem(item, _popularity[item]));
            }
        }
        return [.. result];
    }

    /// <summary>Items with occurrences, most popular first (ties: smaller index).</summary>
    internal static int[] RankByPopularity(int[] popularity) =>
        [.. Enumerable.Range(0, popularity.Length).Where(i => popularity[i] > 0).OrderByDescending(i => popularity[i]).ThenBy(i => i)];
}

/// <summary>
/// S-POP, session popularity as session-rec's <c>SessionPop</c> defines it (Ludewig and Jannach, UMUAI 2018): an
/// item's score is its count in the prefix plus pop/(pop + 1), pop being its training occurrences, so the prefix's
/// items come first, most repeated first, and popularity orders the rest. (session-rec keeps only the top 100 popular
/// items; here all are scored.) Immutable and thread-safe.
/// </summary>
public sealed class InSessionPopularityModel : ISessionRecommender
{
    private readonly int[] _popularity;
    private readonly int[] _ranked;

    private InSessionPopularityModel(int[] popularity)
    {
        _popularity = popularity;
        _ranked = SessionPopularityModel.RankByPopularity(popularity);
    }

    public int ItemCount => _popularity.Length;

    public IReadOnlyList<int> Popularity => _popularity;

    public static InSessionPopularityModel Build(IReadOnlyList<int[]> sessions, int itemCount) =>
        new(SessionIndex.Build(sessions, itemCount).Popularity);

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores)
    {
        for (var i = 0; i < _popularity.Length; i++)
        {
            scores[i] = (float)Base(i);
        }
        foreach (var (item, count) in Counts(prefix))
        {
            scores[item] = (float)(count + Base(item));
        }
    }

    public ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null)
    {
        var counts = Counts(prefix);
        var result = new List<ScoredItem>(SessionTopK.Select(counts.Select(c => KeyValuePair.Create(c.Key, c.Value + Base(c.Key))), _popularity, count, exclude));
        foreach (var item in _ranked)
        {
            if (result.Count >= count)
            {
                break;
            }
            if (!counts.ContainsKey(item) && (exclude is null || !exclude(item)))
            {
                result.Add(new ScoredItem(item, (float)Base(item)));
            }
        }
        return [.. result];
    }

    private double Base(int item) => _popularity[item] / (_popularity[item] + 1.0);

    private Dictionary<int, int> Counts(ReadOnlySpan<int> prefix)
    {
        var counts = new Dictionary<int, int>();
        foreach (var item in prefix)
        {
            if ((uint)item < (uint)_popularity.Length)
            {
                counts[item] = counts.GetValueOrDefault(item) + 1;
            }
        }
        return counts;
    }
}
