using System.Diagnostics;
using RecSys.Models.Data;
using RecSys.Models.Evaluation.Metrics;
using RecSys.Models.Recall;

namespace RecSys.Models.Evaluation;

/// <summary>How <see cref="RankingEvaluator"/> ranks.</summary>
public sealed record EvaluationOptions
{
    /// <summary>(int) List length the metrics look at.</summary>
    public int K { get; init; } = 10;

    /// <summary>
    /// (int?) Null: rank every item the user has no training or validation interaction with (full ranking, the
    /// default). N: rank the user's test items among N sampled unobserved items, and label every metric so.
    /// </summary>
    public int? SampledNegatives { get; init; }

    /// <summary>(ulong) Seed for sampled negatives.</summary>
    public ulong Seed { get; init; } = 42;
}

/// <summary>One model's outcome.</summary>
/// <param name="NanScores">Scores the model returned as NaN (a diverged model); they are never ranked.</param>
public sealed record EvaluationResult(
    string Model,
    string Options,
    IReadOnlyDictionary<string, double> Metrics,
    int Users,
    double TrainSeconds,
    double EvalSeconds,
    long NanScores = 0);

/// <summary>
/// Trains a model on a split's training part and ranks items for every test user: users with at least one
/// test item and one training interaction. Candidates are the items that have training interactions (as
/// Microsoft Recommenders ranks the training items), minus the user's own training and validation items; a
/// test item nobody trained on counts as relevant but cannot be retrieved. Ties between a relevant and an
/// irrelevant item are broken against the relevant one, so equal scores never flatter a model. Metrics are
/// averaged over the users; coverage (over the candidate items) and novelty over all their lists.
/// </summary>
public sealed class RankingEvaluator
{
    private readonly DataSplit? _split;
    private readonly int _userCount;
    private readonly int _itemCount;
    private readonly IReadOnlyList<Interaction> _trainPart;
    private readonly IReadOnlyList<Interaction> _validationPart;
    private readonly EvaluationOptions _options;
    private readonly int[] _users;
    private readonly HashSet<int>[] _relevant;
    private readonly HashSet<int>[] _excluded;
    private readonly int[] _candidates;

    public RankingEvaluator(DataSplit split, EvaluationOptions? options = null)
        : this(split.UserCount, split.ItemCount, split.Train, split.Validation, split.Test, options)
    {
        _split = split;
    }

    /// <summary>An evaluator over raw parts (e.g. training against the validation items during early stopping).</summary>
    public RankingEvaluator(int userCount, int itemCount, IReadOnlyList<Interaction> train, IReadOnlyList<Interaction> validation, IReadOnlyList<Interaction> test, EvaluationOptions? options = null)
    {
        _userCount = userCount;
        _itemCount = itemCount;
        _trainPart = train;
        _validationPart = validation;
        _options = options ?? new EvaluationOptions();
        if (_options.K < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.K, "K must be at least 1");
        }
        if (_options.SampledNegatives is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.SampledNegatives, "sampled negatives must be at least 1");
        }
        Train = new UserItemMatrix(userCount, itemCount, train);

        var excluded = new HashSet<int>[userCount];
        var relevant = new HashSet<int>[userCount];
        for (var u = 0; u < userCount; u++)
        {
            excluded[u] = [.. Train.ItemsOf(u)];
        }
        foreach (var i in validation)
        {
            excluded[i.User].Add(i.Item);
        }
        foreach (var i in test)
        {
            // A test item the user also has in training (repeated data) cannot be recommended again: not counted.
            if (!excluded[i.User].Contains(i.Item))
            {
                (relevant[i.User] ??= []).Add(i.Item);
            }
        }
        _users = [.. Enumerable.Range(0, userCount).Where(u => relevant[u] is { Count: > 0 } && Train.UserDegree(u) > 0)];
        _relevant = relevant;
        _excluded = excluded;
        _candidates = [.. Enumerable.Range(0, itemCount).Where(i => Train.ItemDegree(i) > 0)];

        var k = _options.K;
        Metrics =
        [
            new PrecisionAtK(k), new RecallAtK(k), new NdcgAtK(k),
            new MapAtK(k, AveragePrecisionNormalization.RelevantCount), new MapAtK(k, AveragePrecisionNormalization.MinRelevantK),
            new HitRateAtK(k), new MrrAtK(k),
        ];
        var usersPerItem = new int[itemCount];
        for (var i = 0; i < itemCount; i++)
        {
            usersPerItem[i] = Train.ItemDegree(i);
        }
        ListMetrics = [new CatalogueCoverage(_candidates.Length), new Novelty(usersPerItem, userCount)];
    }

    public UserItemMatrix Train { get; }

    /// <summary>The split evaluated, when built from one.</summary>
    public DataSplit? Split => _split;

    public int K => _options.K;

    /// <summary>Users the metrics average over.</summary>
    public int EvaluatedUsers => _users.Length;

    /// <summary>Items that can be recommended: those with training interactions.</summary>
    public int CandidateItems => _candidates.Length;

    public IReadOnlyList<IRankingMetric> Metrics { get; }

    public IReadOnlyList<IListMetric> ListMetrics { get; }

    /// <summary>"full ranking" or "sampled (100 negatives per user)": printed with every result.</summary>
    public string Mode => _options.SampledNegatives is { } n ? $"sampled ({n} negatives per user)" : "full ranking";

    /// <summary>Metric key as reported: sampled results carry the sample size in their name.</summary>
    public string Key(string metric) => _options.SampledNegatives is { } n ? $"{metric}/sampled{n}" : metric;

    /// <summary>The evaluated users, in the order of <see cref="TopLists"/> and <see cref="EvaluateLists"/>.</summary>
    public IReadOnlyList<int> Users => _users;

    /// <summary>
    /// The top <paramref name="n"/> of the full ranking (same candidates, exclusions and pessimistic ties as the
    /// metrics) of every user in <paramref name="users"/>, by default the evaluated users: the first stage of a
    /// two-stage evaluation.
    /// </summary>
    public int[][] TopLists(IRecommender model, int n, IReadOnlyList<int>? users = null, CancellationToken cancellation = default) =>
        [.. TopScoredLists(model, n, users, cancellation).Select(list => list.Select(s => s.Item).ToArray())];

    /// <summary><see cref="TopLists"/> with the model's scores (a relevant item's score is one ulp lower, see the class remarks).</summary>
    public ScoredItem[][] TopScoredLists(IRecommender model, int n, IReadOnlyList<int>? users = null, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        users ??= _users;
        var lists = new ScoredItem[users.Count][];
        Parallel.For(
            0,
            users.Count,
            new ParallelOptions { CancellationToken = cancellation },
            () => (Scores: new float[_itemCount], Top: new TopK(n)),
            (u, _, scratch) =>
            {
                model.Score(users[u], scratch.Scores);
                lists[u] = RankAllScored(users[u], scratch.Scores, scratch.Top);
                return scratch;
            },
            _ => { });
        return lists;
    }

    /// <summary>
    /// The metrics of given ranked lists, one per evaluated user in <see cref="Users"/> order (e.g. re-ranked
    /// candidates); each list is cut to K. Full-ranking mode only.
    /// </summary>
    public IReadOnlyDictionary<string, double> EvaluateLists(IReadOnlyList<int[]> lists)
    {
        if (lists.Count != _users.Length)
        {
            throw new ArgumentException($"{lists.Count} lists for {_users.Length} users", nameof(lists));
        }
        if (_options.SampledNegatives is not null)
        {
            throw new InvalidOperationException("lists are evaluated in full-ranking mode only");
        }
        var cut = lists.Select(l => l.Length > _options.K ? l[.._options.K] : l).ToArray();
        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in Metrics)
        {
            double sum = 0;
            for (var u = 0; u < _users.Length; u++)
            {
                sum += metric.Compute(cut[u], _relevant[_users[u]]);
            }
            results[metric.Name] = _users.Length == 0 ? 0 : sum / _users.Length;
        }
        foreach (var metric in ListMetrics)
        {
            results[metric.Name] = metric.Compute(cut);
        }
        return results;
    }

    /// <summary>The share of evaluated users with at least one relevant item in their list.</summary>
    public double HitShare(IReadOnlyList<int[]> lists) =>
        _users.Length == 0 ? 0 : Enumerable.Range(0, _users.Length).Count(u => lists[u].Any(_relevant[_users[u]].Contains)) / (double)_users.Length;

    /// <summary>Trains and evaluates <paramref name="model"/>.</summary>
    public EvaluationResult Run(IRecommender model, TrainingContext context, IProgress<TrainingProgress>? scoring = null)
    {
        var watch = Stopwatch.StartNew();
        model.Fit(Train, context with { TrainingInteractions = _trainPart, Validation = _validationPart });
        var trainSeconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        var metrics = Evaluate(model, scoring, context.Cancellation, out var nanScores);
        return new EvaluationResult(model.Name, model.Describe(), metrics, _users.Length, trainSeconds, watch.Elapsed.TotalSeconds, nanScores);
    }

    /// <summary>Ranks for every evaluated user with an already trained model.</summary>
    public IReadOnlyDictionary<string, double> Evaluate(IRecommender model, IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default) =>
        Evaluate(model, progress, cancellation, out _);

    private Dictionary<string, double> Evaluate(IRecommender model, IProgress<TrainingProgress>? progress, CancellationToken cancellation, out long nanScores)
    {
        long nans = 0;
        var k = _options.K;
        var lists = new int[_users.Length][];
        var values = new double[Metrics.Count][];
        for (var m = 0; m < Metrics.Count; m++)
        {
            values[m] = new double[_users.Length];
        }
        var done = 0;
        Parallel.For(
            0,
            _users.Length,
            new ParallelOptions { CancellationToken = cancellation },
            () => (Scores: new float[_itemCount], Top: new TopK(k)),
            (n, _, scratch) =>
            {
                var user = _users[n];
                model.Score(user, scratch.Scores);
                var userNans = 0;
                foreach (var score in scratch.Scores)
                {
                    if (float.IsNaN(score))
                    {
                        userNans++;
                    }
                }
                if (userNans > 0)
                {
                    Interlocked.Add(ref nans, userNans);
                }
                var ranked = _options.SampledNegatives is { } negatives
                    ? RankSampled(user, scratch.Scores, negatives, scratch.Top)
                    : RankAll(user, scratch.Scores, scratch.Top);
                lists[n] = ranked;
                for (var m = 0; m < Metrics.Count; m++)
                {
                    values[m][n] = Metrics[m].Compute(ranked, _relevant[user]);
                }
                var finished = Interlocked.Increment(ref done);
                if (finished % 64 == 0)
                {
                    progress?.Report(new TrainingProgress("ranking", finished / (double)_users.Length));
                }
                return scratch;
            },
            _ => { });
        progress?.Report(new TrainingProgress("ranking", 1));
        nanScores = nans;

        var results = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var m = 0; m < Metrics.Count; m++)
        {
            results[Key(Metrics[m].Name)] = _users.Length == 0 ? 0 : values[m].Sum() / _users.Length;
        }
        if (_options.SampledNegatives is null)
        {
            foreach (var metric in ListMetrics)
            {
                results[metric.Name] = metric.Compute(lists);
            }
        }
        return results;
    }

    private int[] RankAll(int user, float[] scores, TopK top) => [.. RankAllScored(user, scores, top).Select(s => s.Item)];

    private ScoredItem[] RankAllScored(int user, float[] scores, TopK top)
    {
        top.Clear();
        var excluded = _excluded[user];
        var relevant = _relevant[user] ?? [];
        foreach (var i in _candidates)
        {
            if (!excluded.Contains(i))
            {
                top.Offer(i, Pessimistic(scores[i], relevant.Contains(i)));
            }
        }
        return top.ToSortedArray();
    }

    /// <summary>A relevant item's score nudged just below equal scores, so ties rank it last among them.</summary>
    private static float Pessimistic(float score, bool relevant) => relevant ? MathF.BitDecrement(score) : score;

    private int[] RankSampled(int user, float[] scores, int negatives, TopK top)
    {
        // Per-user generator: the same negatives whatever the thread schedule.
        var random = new DeterministicRandom(_options.Seed ^ ((ulong)user * 0x9E3779B97F4A7C15UL));
        var excluded = _excluded[user];
        var relevant = _relevant[user];
        var pool = _candidates.Where(j => !excluded.Contains(j) && !relevant.Contains(j)).ToArray();
        var chosen = new HashSet<int>();
        while (chosen.Count < Math.Min(negatives, pool.Length))
        {
            chosen.Add(pool[random.Next(pool.Length)]);
        }
        top.Clear();
        foreach (var i in relevant)
        {
            top.Offer(i, Pessimistic(scores[i], relevant: true));
        }
        foreach (var i in chosen)
        {
            top.Offer(i, scores[i]);
        }
        return [.. top.ToSortedArray().Select(s => s.Item)];
    }
}
