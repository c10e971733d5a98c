using System.Diagnostics;
using RecSys.Models.Data;
using RecSys.Models.Ranking;

namespace RecSys.Models.Evaluation;

/// <summary>How <see cref="TwoStageEvaluation"/> builds the rankers' data and re-ranks.</summary>
public sealed record TwoStageOptions
{
    /// <summary>(int) Candidates the recall model hands to the ranker per user.</summary>
    public int Candidates { get; init; } = 200;

    /// <summary>(int) Unseen items sampled as negatives per training interaction for the rankers.</summary>
    public int NegativesPerPositive { get; init; } = 4;

    /// <summary>
    /// (double) Share of those negatives drawn from the user's own recall candidates (each at most once per user, see
    /// <see cref="CtrOptions.NegativePools"/>), the rest uniformly from unseen items. Rankers trained on uniform
    /// negatives only learn to tell candidates from random items, which the recall model already does.
    /// </summary>
    public double RecallNegativeShare { get; init; } = 0.5;

    /// <summary>(ulong) Seed of the rankers' negative sampling.</summary>
    public ulong Seed { get; init; } = 42;
}

/// <summary>One ranker's outcome over the recall model's candidates.</summary>
public sealed record TwoStageResult(string Ranker, string Options, IReadOnlyDictionary<string, double> Metrics, double TrainSeconds, double? ValidationAuc);

/// <summary>
/// The two-stage protocol: a trained recall model's top <see cref="TwoStageOptions.Candidates"/> per test user are
/// re-ranked by a ranker, and both lists are scored by the same <see cref="RankingEvaluator"/> (cut to K), so the
/// difference is what ranking adds. The rankers learn "will the user interact with this item" (task 0, click) from the
/// split's training interactions as positives with sampled unseen items as negatives (plus like = rating ≥ 4 as a
/// second task when ratings vary), stop early on the validation interactions, and see only training and validation
/// events: histories, statistics and "seen" sets exclude the test items. Part of the negatives come from the user's
/// own recall candidates (computed from training and validation events), so the rankers learn to order exactly such
/// lists; a test item among them may be drawn as a negative, as an item shown and not clicked before it was. A request carries the user's training and
/// validation items in time order as history and the time of the user's first test event (hour and weekday).
/// </summary>
public sealed class TwoStageEvaluation
{
    private readonly RankingEvaluator _evaluator;
    private readonly int[][] _candidates;
    private readonly int[][] _histories;
    private readonly int[][] _liked;
    private readonly int[][] _disliked;
    private readonly long[] _times;

    /// <param name="recall">A recall model already trained on the split (by <paramref name="evaluator"/>).</param>
    public TwoStageEvaluation(DataSplit split, RankingEvaluator evaluator, Recall.IRecommender recall, TwoStageOptions? options = null)
    {
        options ??= new TwoStageOptions();
        if (options.RecallNegativeShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RecallNegativeShare, "RecallNegativeShare must be from 0 to 1");
        }
        _evaluator = evaluator;
        Options = options;
        var trained = Enumerable.Range(0, split.UserCount).Where(u => evaluator.Train.UserDegree(u) > 0).ToArray();
        var pools = new int[]?[split.UserCount];
        var lists = evaluator.TopLists(recall, options.Candidates, trained);
        for (var n = 0; n < trained.Length; n++)
        {
            pools[trained[n]] = lists[n];
        }
        var candidates = evaluator.Users.Select(u => pools[u] ?? []).ToArray();
        _candidates = candidates;
        Known = [.. split.Train, .. split.Validation];
        var labelling = CtrData.DefaultLabelling(split.Dataset) == CtrLabelling.Ratings ? CtrLabelling.ClickAndLike : CtrLabelling.Implicit;
        RankerData = CtrData.Build(split.Dataset, split.Train, split.Validation, [], new CtrOptions
        {
            Labelling = labelling,
            NegativesPerPositive = options.NegativesPerPositive,
            Seed = options.Seed,
            Known = Known,
            NegativePools = options.RecallNegativeShare > 0 ? pools : null,
            PoolNegativeShare = options.RecallNegativeShare,
        });

        var histories = new UserHistories(split.UserCount, Known);
        var firstTest = new Dictionary<int, long>();
        foreach (var i in split.Test)
        {
            firstTest[i.User] = firstTest.TryGetValue(i.User, out var t) ? Math.Min(t, i.Timestamp) : i.Timestamp;
        }
        var users = evaluator.Users;
        _histories = new int[users.Count][];
        _times = new long[users.Count];
        _liked = new int[users.Count][];
        _disliked = new int[users.Count][];
        for (var n = 0; n < users.Count; n++)
        {
            _histories[n] = histories.Before(users[n], long.MaxValue).ToArray();
            _times[n] = firstTest.GetValueOrDefault(users[n]);
            _liked[n] = histories.LikedBefore(users[n], long.MaxValue, new CtrOptions().LikeThreshold);
            _disliked[n] = histories.DislikedBefore(users[n], long.MaxValue, new CtrOptions().LikeThreshold);
        }
        RecallMetrics = evaluator.EvaluateLists(candidates);
        CandidateHitShare = evaluator.HitShare(candidates);
    }

    public TwoStageOptions Options { get; }

    /// <summary>The interactions the rankers may know: training and validation.</summary>
    public IReadOnlyList<Interaction> Known { get; }

    /// <summary>The rankers' training and validation examples (the test part is empty) and the encoded users and items.</summary>
    public CtrSplit RankerData { get; }

    /// <summary>Every evaluated user's candidates from the recall model, in <see cref="RankingEvaluator.Users"/> order.</summary>
    public IReadOnlyList<int[]> Candidates => _candidates;

    /// <summary>The recall model's own metrics on its candidate lists (its top K).</summary>
    public IReadOnlyDictionary<string, double> RecallMetrics { get; }

    /// <summary>Share of users with a test item among their candidates: the most re-ranking can reach.</summary>
    public double CandidateHitShare { get; }

    /// <summary>Trains <paramref name="ranker"/> and evaluates its ordering of every user's candidates.</summary>
    public TwoStageResult Run(IRanker ranker, RankingContext context)
    {
        var watch = Stopwatch.StartNew();
        ranker.Fit(RankerData.Train, RankerData.Validation, context);
        var trainSeconds = watch.Elapsed.TotalSeconds;
        var reranked = Rerank(new CandidateScorer(ranker, RankerData.Features), context.Cancellation);
        return new TwoStageResult(ranker.Name, ranker.Describe(), _evaluator.EvaluateLists(reranked), trainSeconds, ranker.BestValidationAuc);
    }

    /// <summary>Every user's candidates ordered by the ranker's click probability (ties keep the recall order).</summary>
    public int[][] Rerank(CandidateScorer scorer, CancellationToken cancellation = default)
    {
        var users = _evaluator.Users;
        var reranked = new int[users.Count][];
        for (var n = 0; n < users.Count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var candidates = _candidates[n];
            var request = new RankingRequest(scorer.Features.User(users[n]), _histories[n], candidates, _times[n], _liked[n], _disliked[n]);
            var scores = scorer.Score(request, task: 0);
            var order = Enumerable.Range(0, candidates.Length).ToArray();
            Array.Sort(order, (a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            reranked[n] = [.. order.Select(k => candidates[k])];
        }
        return reranked;
    }
}
