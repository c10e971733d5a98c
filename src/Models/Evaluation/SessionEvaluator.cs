using System.Diagnostics;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Evaluation;

/// <summary>Where the target goes among items it ties with (same score and, with the popularity tie-break, same popularity).</summary>
public enum TieRule
{
    /// <summary>After them: ties never flatter a model (as <see cref="RankingEvaluator"/>). The default.</summary>
    Pessimistic,

    /// <summary>Before them: only strictly better items count, as the reference script and GRU4Rec's evaluation do.</summary>
    Optimistic,
}

/// <summary>How <see cref="SessionEvaluator"/> ranks.</summary>
public sealed record SessionEvaluationOptions
{
    /// <summary>(int) List length the metrics look at (20 in the GRU4Rec and session-rec papers).</summary>
    public int K { get; init; } = 20;

    /// <summary>
    /// (bool) Items of the prefix cannot be recommended (a target that repeats a prefix item then counts as a miss).
    /// Off by default: the protocol scores repeats, the target may be an item already in the prefix.
    /// </summary>
    public bool ExcludeSeen { get; init; }

    /// <summary>
    /// (bool) Equal scores are ordered by training popularity, more popular first, for every model (the reference
    /// script adds 1e-9 × popularity to the scores; this compares exactly instead, so float precision cannot undo
    /// it). Items still tied with the target are placed by <see cref="Ties"/>.
    /// </summary>
    public bool PopularityTieBreak { get; init; } = true;

    /// <summary>(TieRule) pessimistic (default) or optimistic: the reference script's rule, for cross-checks.</summary>
    public TieRule Ties { get; init; } = TieRule.Pessimistic;

    /// <summary>(int?) Sessions scored at once; null: one per core.</summary>
    public int? Parallelism { get; init; }
}

/// <summary>
/// Next-item evaluation of the session protocol: for every test session s and every position i ≥ 1, the model scores
/// all items after the prefix s[0..i) and the rank of s[i] is found among the items that occur in training (full
/// ranking; with <see cref="SessionEvaluationOptions.ExcludeSeen"/> minus the prefix's items). Rank = 1 + the items
/// ranked above the target: a higher score, or an equal score and (with the popularity tie-break) a higher
/// popularity, or a full tie (pessimistic rule, the default: ties never flatter a model). hit@K, mrr@K (1/rank within K, else 0) and ndcg@K
/// (1/log2(rank + 1) within K) are averaged over predictions, as GRU4Rec and session-rec do; coverage@K is the share
/// of candidate items that appear in some top-K list. Sessions are scored in parallel (bounded); results do not
/// depend on the schedule.
/// </summary>
public sealed class SessionEvaluator
{
    private readonly SessionData _test;
    private readonly SessionEvaluationOptions _options;
    private readonly int[] _popularity;
    private readonly int[] _candidates;

    public SessionEvaluator(SessionSplit split, SessionEvaluationOptions? options = null)
        : this(split.Train, split.Test, options)
    {
    }

    /// <summary>An evaluator of <paramref name="test"/> sessions with candidates and popularity from <paramref name="train"/>.</summary>
    public SessionEvaluator(SessionData train, SessionData test, SessionEvaluationOptions? options = null)
    {
        _options = options ?? new SessionEvaluationOptions();
        if (_options.K < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.K, "K must be at least 1");
        }
        if (_options.Parallelism is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Parallelism, "parallelism must be at least 1");
        }
        if (train.ItemCount != test.ItemCount)
        {
            throw new ArgumentException($"train has {train.ItemCount} items, test {test.ItemCount}", nameof(test));
        }
        Train = train;
        _test = test;
        _popularity = train.ItemCounts();
        _candidates = [.. Enumerable.Range(0, train.ItemCount).Where(i => _popularity[i] > 0)];
        Predictions = test.Sessions.Sum(s => s.Length - 1);
    }

    public SessionData Train { get; }

    public int K => _options.K;

    /// <summary>Next-item predictions the metrics average over.</summary>
    public int Predictions { get; }

    /// <summary>Test sessions with at least one prediction.</summary>
    public int Sessions => _test.Sessions.Count(s => s.Length >= 2);

    /// <summary>Items that can be recommended: those occurring in training.</summary>
    public int CandidateItems => _candidates.Length;

    /// <summary>The metric names, in display order.</summary>
    public IReadOnlyList<string> MetricNames => [$"hit@{K}", $"mrr@{K}", $"ndcg@{K}", $"coverage@{K}"];

    /// <summary>"full ranking over N training items, repeats scored" (or "seen items excluded"), printed with results.</summary>
    public string Mode =>
        $"full ranking over {_candidates.Length:N0} training items, {(_options.ExcludeSeen ? "prefix items excluded" : "repeats scored")}, " +
        $"ties {(_options.PopularityTieBreak ? "by popularity, then " : "")}{(_options.Ties == TieRule.Pessimistic ? "against the target" : "for the target")}";

    /// <summary>Trains <paramref name="model"/> on the training sessions and evaluates it.</summary>
    public EvaluationResult Run(ISessionModel model, TrainingContext context, IProgress<TrainingProgress>? scoring = null)
    {
        var watch = Stopwatch.StartNew();
        model.Fit(Train, context);
        var trainSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var metrics = Evaluate(model, scoring, context.Cancellation, out var nans);
        return new EvaluationResult(model.Name, model.Describe(), metrics, Predictions, trainSeconds, watch.Elapsed.TotalSeconds, nans);
    }

    /// <summary>The metrics of an already trained model.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(ISessionScorer model, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        Evaluate(model, progress, cancellation, out _);

    /// <summary>The rank (1-based) of each prediction's target, session by session (int.MaxValue: cannot be ranked).</summary>
    public int[][] Ranks(ISessionScorer model, CancellationToken cancellation = default)
    {
        var ranks = new int[_test.Count][];
        Score(model, ranks, null, null, cancellation);
        return ranks;
    }

    private Dictionary<string, double> Evaluate(ISessionScorer model, IProgress<TrainingProgress>? progress, CancellationToken cancellation, out long nanScores)
    {
        var ranks = new int[_test.Count][];
        var listed = new bool[Train.ItemCount];
        nanScores = Score(model, ranks, listed, progress, cancellation);

        double hits = 0, reciprocal = 0, gain = 0;
        foreach (var session in ranks)
        {
            foreach (var rank in session)
            {
                if (rank <= K)
                {
                    hits += 1;
                    reciprocal += 1.0 / rank;
                    gain += 1.0 / Math.Log2(rank + 1);
                }
            }
        }
        var n = Math.Max(1, Predictions);
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            [$"hit@{K}"] = hits / n,
            [$"mrr@{K}"] = reciprocal / n,
            [$"ndcg@{K}"] = gain / n,
            [$"coverage@{K}"] = _candidates.Length == 0 ? 0 : listed.Count(l => l) / (double)_candidates.Length,
        };
    }

    /// <summary>Fills <paramref name="ranks"/> (and, when given, the items of any top-K list); returns the NaN scores seen.</summary>
    private long Score(ISessionScorer model, int[][] ranks, bool[]? listed, IProgress<TrainingProgress>? progress, CancellationToken cancellation)
    {
        long nans = 0;
        var done = 0;
        var gate = new Lock();
        Parallel.For(
            0,
            _test.Count,
            new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = _options.Parallelism ?? Environment.ProcessorCount },
            () => new Scratch(Train.ItemCount, K),
            (s, _, scratch) =>
            {
                var session = _test.Sessions[s];
                var sessionRanks = new int[Math.Max(0, session.Length - 1)];
                for (var i = 1; i < session.Length; i++)
                {
                    var prefix = session.AsSpan(0, i);
                    model.Score(prefix, scratch.Scores);
                    sessionRanks[i - 1] = Rank(prefix, session[i], scratch, listed is not null);
                }
                ranks[s] = sessionRanks;
                var finished = Interlocked.Increment(ref done);
                if (progress is not null && finished % 32 == 0)
                {
                    progress.Report(new TrainingProgress("ranking", finished / (double)_test.Count));
                }
                return scratch;
            },
            scratch =>
            {
                Interlocked.Add(ref nans, scratch.Nans);
                if (listed is not null)
                {
                    lock (gate)
                    {
                        foreach (var item in scratch.Listed)
                        {
                            listed[item] = true;
                        }
                    }
                }
            });
        progress?.Report(new TrainingProgress("ranking", 1));
        return nans;
    }

    private int Rank(ReadOnlySpan<int> prefix, int target, Scratch scratch, bool collectList)
    {
        var scores = scratch.Scores;
        var excluded = scratch.Excluded;
        if (_options.ExcludeSeen)
        {
            foreach (var item in prefix)
            {
                excluded[item] = true;
            }
        }
        var targetScore = scores[target];
        var targetPopularity = _popularity[target];
        var reachable = !float.IsNaN(targetScore) && _popularity[target] > 0 && !excluded[target];
        var above = 0;
        var top = scratch.Top;
        top.Clear();
        foreach (var item in _candidates)
        {
            var score = scores[item];
            if (float.IsNaN(score))
            {
                scratch.Nans++;
                continue;
            }
            if (excluded[item])
            {
                continue;
            }
            if (collectList)
            {
                top.Offer(item, score, _options.PopularityTieBreak ? _popularity[item] : 0);
            }
            if (item != target && reachable && Above(score, _popularity[item], targetScore, targetPopularity))
            {
                above++;
            }
        }
        if (_options.ExcludeSeen)
        {
            foreach (var item in prefix)
            {
                excluded[item] = false;
            }
        }
        if (collectList)
        {
            top.AddTo(scratch.Listed);
        }
        return reachable ? above + 1 : int.MaxValue;
    }

    private bool Above(float score, int popularity, float targetScore, int targetPopularity)
    {
        if (score != targetScore)
        {
            return score > targetScore;
        }
        if (_options.PopularityTieBreak && popularity != targetPopularity)
        {
            return popularity > targetPopularity;
        }
        return _options.Ties == TieRule.Pessimistic;
    }

    /// <summary>One thread's buffers.</summary>
    private sealed class Scratch(int items, int k)
    {
        public float[] Scores { get; } = new float[items];

        public bool[] Excluded { get; } = new bool[items];

        public HashSet<int> Listed { get; } = [];

        public ListHeap Top { get; } = new(k);

        public long Nans { get; set; }
    }

    /// <summary>The K best (score, popularity, smaller index) items: what a top-K list would show.</summary>
    private sealed class ListHeap(int k)
    {
        private readonly PriorityQueue<int, (float Score, int Popularity, int NegativeItem)> _heap = new(k + 1);

        public void Clear() => _heap.Clear();

        public void Offer(int item, float score, int popularity)
        {
            var key = (score, popularity, -item);
            if (_heap.Count < k)
            {
                _heap.Enqueue(item, key);
            }
            else if (_heap.TryPeek(out _, out var worst) && key.CompareTo(worst) > 0)
            {
                _heap.DequeueEnqueue(item, key);
            }
        }

        public void AddTo(HashSet<int> items)
        {
            foreach (var (item, _) in _heap.UnorderedItems)
            {
                items.Add(item);
            }
        }
    }
}
