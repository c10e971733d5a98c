namespace RecSys.Models.Recall.Session;

/// <summary>How <see cref="SessionKnnModel"/> weighs the prefix's items.</summary>
public enum PrefixWeighting
{
    /// <summary>Every item 1: binary cosine (S-KNN).</summary>
    Same,

    /// <summary>(p + 1)/L for position p of L, the largest if an item repeats (V-SKNN; session-rec's weighting "div").</summary>
    Linear,
}

/// <summary>Options for <see cref="SessionKnnModel"/> (S-KNN and V-SKNN).</summary>
public sealed record SessionKnnOptions : IModelOptions
{
    [Option("k", "(int) most similar candidate sessions whose items are scored")]
    public int Neighbours { get; init; } = 100;

    [Option("sample", "(int) candidate sessions: the most recent (latest start) that share an item with the prefix")]
    public int Sample { get; init; } = 500;

    [Option("weighting", "(same|linear) prefix item weights: 1 (s-knn) or (p+1)/L by position, the largest if repeated (v-sknn)")]
    public PrefixWeighting Weighting { get; init; } = PrefixWeighting.Same;

    public IEnumerable<string> Validate()
    {
        if (Neighbours is < 1 or > 1_000_000) yield return "k must be from 1 to 1000000";
        if (Sample is < 1 or > 10_000_000) yield return "sample must be from 1 to 10000000";
    }
}

/// <summary>
/// Session-based kNN: S-KNN (Jannach and Ludewig, "When recurrent neural networks meet the neighborhood for
/// session-based recommendation", RecSys 2017) and V-SKNN (Ludewig and Jannach, "Evaluation of session-based
/// recommendation algorithms", UMUAI 2018), with the definitions of our reference script
/// (<c>tools/session_baselines_reference.py</c>). The prefix's known items get weights w (1, or (p + 1)/L with
/// <see cref="PrefixWeighting.Linear"/>); candidates are the <see cref="SessionKnnOptions.Sample"/> most recent
/// training sessions (latest start; ties: later in the input) sharing an item with it; a candidate c's similarity is
/// Σ_{i ∈ c} w_i / sqrt(|prefix items| · |c|) over distinct items; the <see cref="SessionKnnOptions.Neighbours"/>
/// most similar (ties: more recent) each add their similarity to all their items.
/// Where session-rec's <c>vsknn.py</c> differs: its similarity divides by |prefix items| only (<c>vec</c>), it also
/// multiplies a neighbour's contribution by 1/step for the position of the newest prefix item the neighbour holds
/// (<c>weighting_score='div'</c>), dates sessions by their last event, and normalises scores by their maximum;
/// its <c>sknn.py</c> cosine is li / sqrt(la) · sqrt(lb) (an operator-precedence slip). Memory O(events): the
/// distinct items of each session and the sessions of each item. Immutable and thread-safe.
/// </summary>
public sealed class SessionKnnModel : ISessionRecommender
{
    private readonly SessionIndex _index;
    private readonly int[] _distinctStart;
    private readonly int[] _distinctItems;
    private readonly int[] _sessionOfRank;
    private readonly int[] _itemStart;
    private readonly int[] _itemRanks;

    private SessionKnnModel(SessionIndex index, int[] distinctStart, int[] distinctItems, int[] sessionOfRank, int[] itemStart, int[] itemRanks, SessionKnnOptions options)
    {
        _index = index;
        _distinctStart = distinctStart;
        _distinctItems = distinctItems;
        _sessionOfRank = sessionOfRank;
        _itemStart = itemStart;
        _itemRanks = itemRanks;
        Options = options;
    }

    public SessionKnnOptions Options { get; }

    public int ItemCount => _index.ItemCount;

    public IReadOnlyList<int> Popularity => _index.Popularity;

    public int SessionCount => _sessionOfRank.Length;

    /// <summary>
    /// Builds from training sessions (item indices in time order). <paramref name="sessionTimes"/> dates each session
    /// for recency (e.g. its first event's unix time); null takes the list order (later = more recent).
    /// </summary>
    public static SessionKnnModel Build(IReadOnlyList<int[]> sessions, int itemCount, SessionKnnOptions? options = null, long[]? sessionTimes = null)
    {
        options ??= new SessionKnnOptions();
        if (options.Validate().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        if (sessionTimes is not null && sessionTimes.Length != sessions.Count)
        {
            throw new ArgumentException($"{sessionTimes.Length} session times for {sessions.Count} sessions", nameof(sessionTimes));
        }
        var index = SessionIndex.Build(sessions, itemCount);

        // Recency rank: oldest 0; equal times keep the input order.
        var sessionOfRank = Enumerable.Range(0, sessions.Count).ToArray();
        if (sessionTimes is not null)
        {
            var keys = sessionTimes.Select((t, s) => (t, s)).ToArray();
            Array.Sort(keys, sessionOfRank);
        }
        var rankOf = new int[sessions.Count];
        for (var r = 0; r < sessionOfRank.Length; r++)
        {
            rankOf[sessionOfRank[r]] = r;
        }

        // Distinct items per session (first occurrences, in order).
        var distinctStart = new int[sessions.Count + 1];
        var distinct = new List<int>(index.SessionItems.Length);
        var seen = new int[itemCount];
        Array.Fill(seen, -1);
        for (var s = 0; s < sessions.Count; s++)
        {
            foreach (var item in index.Session(s))
            {
                if (seen[item] != s)
                {
                    seen[item] = s;
                    distinct.Add(item);
                }
            }
            distinctStart[s + 1] = distinct.Count;
        }

        // Sessions of each item as recency ranks, oldest first.
        var itemStart = (int[])index.ItemStart.Clone();
        var itemRanks = new int[index.ItemSessions.Length];
        for (var i = 0; i < itemCount; i++)
        {
            var span = itemRanks.AsSpan(itemStart[i], itemStart[i + 1] - itemStart[i]);
            var n = 0;
            foreach (var s in index.SessionsOf(i))
            {
                span[n++] = rankOf[s];
            }
            span.Sort();
        }
        return new SessionKnnModel(index, distinctStart, [.. distinct], sessionOfRank, itemStart, itemRanks, options);
    }

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores) => SessionTopK.Fill(ItemScores(prefix), scores);

    public ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null) =>
        SessionTopK.Select(ItemScores(prefix), _index.Popularity, count, exclude);

    /// <summary>
    /// The score of every item some neighbour session holds, for a prefix whose own session (index
    /// <paramref name="self"/> of the training sessions, or −1) is not its own neighbour: a subject of the training data
    /// asking about itself must not find itself.
    /// </summary>
    public Dictionary<int, float> Scores(ReadOnlySpan<int> prefix, int self = -1)
    {
        var scores = new Dictionary<int, float>();
        foreach (var (item, score) in ItemScores(prefix, self))
        {
            scores[item] = (float)score;
        }
        return scores;
    }

    /// <summary>The neighbour sessions of a prefix (indices into the training sessions), most similar first, with their similarity.</summary>
    public IReadOnlyList<(int Session, double Similarity)> Neighbours(ReadOnlySpan<int> prefix) =>
        [.. FindNeighbours(prefix).Select(n => (_sessionOfRank[n.Rank], n.Similarity))];

    private Dictionary<int, double> ItemScores(ReadOnlySpan<int> prefix, int self = -1)
    {
        var scores = new Dictionary<int, double>();
        foreach (var (rank, similarity) in FindNeighbours(prefix, self))
        {
            foreach (var item in Items(_sessionOfRank[rank]))
            {
                scores[item] = scores.GetValueOrDefault(item) + similarity;
            }
        }
        return scores;
    }

    private ReadOnlySpan<int> Items(int session) => _distinctItems.AsSpan(_distinctStart[session], _distinctStart[session + 1] - _distinctStart[session]);

    private List<(int Rank, double Similarity)> FindNeighbours(ReadOnlySpan<int> prefix, int self = -1)
    {
        // Weights of the prefix's known items; positions count known items only.
        var known = 0;
        foreach (var item in prefix)
        {
            known += _index.Known(item) ? 1 : 0;
        }
        var weights = new Dictionary<int, double>();
        var position = 0;
        foreach (var item in prefix)
        {
            if (!_index.Known(item))
            {
                continue;
            }
            var weight = Options.Weighting == PrefixWeighting.Linear ? (position + 1) / (double)known : 1.0;
            weights[item] = Math.Max(weights.GetValueOrDefault(item), weight);
            position++;
        }
        if (weights.Count == 0)
        {
            return [];
        }

        // The most recent sessions holding any prefix item: each item's newest Sample, then the newest Sample of their union.
        var candidates = new List<int>();
        foreach (var item in weights.Keys)
        {
            var ranks = _itemRanks.AsSpan(_itemStart[item], _itemStart[item + 1] - _itemStart[item]);
            foreach (var rank in ranks[Math.Max(0, ranks.Length - Options.Sample)..])
            {
                candidates.Add(rank);
            }
        }
        candidates.Sort();
        var unique = new List<int>(Math.Min(candidates.Count, Options.Sample));
        for (var n = candidates.Count - 1; n >= 0 && unique.Count < Options.Sample; n--)
        {
            if (n == candidates.Count - 1 || candidates[n] != candidates[n + 1])
            {
                unique.Add(candidates[n]);
            }
        }

        var neighbours = new List<(int Rank, double Similarity)>(unique.Count);
        foreach (var rank in unique)
        {
            if (_sessionOfRank[rank] == self)
            {
                continue;
            }
            var items = Items(_sessionOfRank[rank]);
            double overlap = 0;
            foreach (var item in items)
            {
                overlap += weights.GetValueOrDefault(item);
            }
            if (overlap > 0)
            {
                neighbours.Add((rank, overlap / Math.Sqrt((double)weights.Count * items.Length)));
            }
        }
        neighbours.Sort((a, b) => a.Similarity != b.Similarity ? b.Similarity.CompareTo(a.Similarity) : b.Rank.CompareTo(a.Rank));
        if (neighbours.Count > Options.Neighbours)
        {
            neighbours.RemoveRange(Options.Neighbours, neighbours.Count - Options.Neighbours);
        }
        return neighbours;
    }
}
