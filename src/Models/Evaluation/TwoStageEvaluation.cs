using System.Diagnostics;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Models.Evaluation;

/// <summary>What the rankers of a two-stage evaluation learn from.</summary>
public enum TwoStageTraining
{
    /// <summary>
    /// The recall model's lists at the validation step: for every user, its top candidates given the training events,
    /// the validation item labelled 1 and the rest 0, with the recall score and position as features (an impression
    /// log). The ranker learns to reorder exactly such lists, starting from the recall model's own order.
    /// </summary>
    Impressions,

    /// <summary>
    /// Every training interaction as a positive with sampled negatives (part of them from the user's candidates): a
    /// general click model that knows nothing of the recall model's scores.
    /// </summary>
    Interactions,
}

/// <summary>How <see cref="TwoStageEvaluation"/> builds the rankers' data and re-ranks.</summary>
public sealed record TwoStageOptions
{
    /// <summary>(int) Candidates the recall model hands to the ranker per user.</summary>
    public int Candidates { get; init; } = 200;

    /// <summary>(enum) What the rankers are trained on.</summary>
    public TwoStageTraining Training { get; init; } = TwoStageTraining.Impressions;

    /// <summary>(double) Impressions: share of the users whose lists are held out for early stopping.</summary>
    public double ValidationUsers { get; init; } = 0.2;

    /// <summary>(int) Interactions: unseen items sampled as negatives per training interaction.</summary>
    public int NegativesPerPositive { get; init; } = 4;

    /// <summary>
    /// (double) Interactions: share of those negatives drawn from the user's own recall candidates (each at most once
    /// per user, see <see cref="CtrOptions.NegativePools"/>), the rest uniformly from unseen items.
    /// </summary>
    public double RecallNegativeShare { get; init; } = 0.5;

    /// <summary>(ulong) Seed of the rankers' negative sampling and of the validation users.</summary>
    public ulong Seed { get; init; } = 42;
}

/// <summary>One ranker's outcome over the recall model's candidates.</summary>
public sealed record TwoStageResult(string Ranker, string Options, IReadOnlyDictionary<string, double> Metrics, double TrainSeconds, double? ValidationAuc);

/// <summary>
/// The two-stage protocol: a trained recall model's top <see cref="TwoStageOptions.Candidates"/> per test user are
/// re-ranked by a ranker, and both lists are scored by the same <see cref="RankingEvaluator"/> (cut to K), so the
/// difference is what ranking adds. The rankers predict "will the user pick this item" (task 0, click; like = rating
/// ≥ 4 as a second task when ratings vary) and see only training and validation events: histories, statistics and
/// "seen" sets exclude the test items. How they are trained is <see cref="TwoStageTraining"/>. A test request carries
/// the user's training and validation items in time order as history, the time of the user's first test event
/// (hour and weekday) and, for impression-trained rankers, the recall scores.
/// </summary>
public sealed class TwoStageEvaluation
{
    private readonly RankingEvaluator _evaluator;
    private readonly ScoredItem[][] _candidates;
    private readonly int[][] _histories;
    private readonly int[][] _liked;
    private readonly int[][] _disliked;
    private readonly long[] _times;

    /// <param name="recall">A recall model already trained on the split (by <paramref name="evaluator"/>).</param>
    public TwoStageEvaluation(DataSplit split, RankingEvaluator evaluator, IRecommender recall, TwoStageOptions? options = null)
    {
        options ??= new TwoStageOptions();
        if (options.RecallNegativeShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RecallNegativeShare, "RecallNegativeShare must be from 0 to 1");
        }
        if (options.ValidationUsers is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.ValidationUsers, "ValidationUsers must be between 0 and 1");
        }
        _evaluator = evaluator;
        Options = options;
        Known = [.. split.Train, .. split.Validation];
        var labelling = CtrData.DefaultLabelling(split.Dataset) == CtrLabelling.Ratings ? CtrLabelling.ClickAndLike : CtrLabelling.Implicit;
        var likeThreshold = new CtrOptions().LikeThreshold;

        if (options.Training == TwoStageTraining.Impressions)
        {
            RankerData = Impressions(split, recall, labelling, options);    // before the test lists: it swaps histories
        }
        _candidates = evaluator.TopScoredLists(recall, options.Candidates);
        if (options.Training == TwoStageTraining.Interactions)
        {
            var trained = Enumerable.Range(0, split.UserCount).Where(u => evaluator.Train.UserDegree(u) > 0).ToArray();
            var pools = new int[]?[split.UserCount];
            var lists = evaluator.TopLists(recall, options.Candidates, trained);
            for (var n = 0; n < trained.Length; n++)
            {
                pools[trained[n]] = lists[n];
            }
            RankerData = CtrData.Build(split.Dataset, split.Train, split.Validation, [], new CtrOptions
            {
                Labelling = labelling,
                NegativesPerPositive = options.NegativesPerPositive,
                Seed = options.Seed,
                Known = Known,
                NegativePools = options.RecallNegativeShare > 0 ? pools : null,
                PoolNegativeShare = options.RecallNegativeShare,
            });
        }

        var histories = new UserHistories(split.UserCount, Known);
        var firstTest = FirstTimes(split.Test);
        var users = evaluator.Users;
        _histories = new int[users.Count][];
        _liked = new int[users.Count][];
        _disliked = new int[users.Count][];
        _times = new long[users.Count];
        for (var n = 0; n < users.Count; n++)
        {
            _histories[n] = histories.Before(users[n], long.MaxValue).ToArray();
            _liked[n] = histories.LikedBefore(users[n], long.MaxValue, likeThreshold);
            _disliked[n] = histories.DislikedBefore(users[n], long.MaxValue, likeThreshold);
            _times[n] = firstTest.GetValueOrDefault(users[n]);
        }
        var items = _candidates.Select(list => list.Select(s => s.Item).ToArray()).ToArray();
        RecallMetrics = evaluator.EvaluateLists(items);
        CandidateHitShare = evaluator.HitShare(items);
    }

    public TwoStageOptions Options { get; }

    /// <summary>The interactions the rankers may know: training and validation.</summary>
    public IReadOnlyList<Interaction> Known { get; }

    /// <summary>The rankers' training and validation examples (the test part is empty) and the encoded users and items.</summary>
    public CtrSplit RankerData { get; } = null!;

    /// <summary>Every evaluated user's candidates from the recall model, in <see cref="RankingEvaluator.Users"/> order.</summary>
    public IReadOnlyList<int[]> Candidates => [.. _candidates.Select(list => list.Select(s => s.Item).ToArray())];

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
        var withRecall = scorer.Features.Map.Contains(FeatureNames.RecallScore);
        var reranked = new int[users.Count][];
        for (var n = 0; n < users.Count; n++)
        {
            cancellation.ThrowIfCancellationRequested();
            var candidates = _candidates[n].Select(s => s.Item).ToArray();
            var request = new RankingRequest(
                scorer.Features.User(users[n]), _histories[n], candidates, _times[n], _liked[n], _disliked[n],
                withRecall ? [.. _candidates[n].Select(s => s.Score)] : null);
            var scores = scorer.Score(request, task: 0);
            var order = Enumerable.Range(0, candidates.Length).ToArray();
            Array.Sort(order, (a, b) => scores[b] != scores[a] ? scores[b].CompareTo(scores[a]) : a.CompareTo(b));
            reranked[n] = [.. order.Select(k => candidates[k])];
        }
        return reranked;
    }

    /// <summary>
    /// The impression log at the validation step: each user's top candidates given the training events only (a
    /// sequence model reads the training sequence), labelled by the validation items, with recall score and position.
    /// Histories and statistics come from the training events; the users are split into training and early-stopping
    /// lists. Leaves a sequence model reading training + validation, for the test lists.
    /// </summary>
    private static CtrSplit Impressions(DataSplit split, IRecommender recall, CtrLabelling labelling, TwoStageOptions options)
    {
        var validationStep = new RankingEvaluator(split.UserCount, split.ItemCount, split.Train, [], split.Validation);
        var trainSequences = UserSequences.From(split.UserCount, split.Train);
        var sequenceModel = recall as IArtifactModel;
        sequenceModel?.UseHistories(trainSequences);
        var lists = validationStep.TopScoredLists(recall, options.Candidates);
        sequenceModel?.UseHistories(trainSequences.Append(split.Validation));

        // Statistics, vocabularies and the map from the training events only; its rows are not used.
        var basis = CtrData.Build(split.Dataset, split.Train, [], [], new CtrOptions
        {
            Labelling = labelling,
            NegativesPerPositive = 0,
            Seed = options.Seed,
            Known = split.Train,
        });
        var map = basis.Features.Map with
        {
            Features = [.. basis.Features.Map.Features, new DenseFeature(FeatureNames.RecallScore), new DenseFeature(FeatureNames.RecallLogRank)],
        };
        var features = new RankingFeatures(map, basis.Features.Users, basis.Features.Items);
        var histories = new UserHistories(split.UserCount, split.Train);
        var likeThreshold = new CtrOptions().LikeThreshold;
        var validation = split.Validation.GroupBy(i => i.User).ToDictionary(g => g.Key, g => g.ToDictionary(i => i.Item, i => i.Rating));
        var firstValidation = FirstTimes(split.Validation);
        var train = new CtrDatasetBuilder(map);
        var valid = new CtrDatasetBuilder(map);
        var random = new DeterministicRandom(options.Seed ^ 0x1A7E_5EEDul);
        Span<float> labels = stackalloc float[map.Tasks.Count];
        for (var n = 0; n < validationStep.Users.Count; n++)
        {
            var user = validationStep.Users[n];
            var time = firstValidation[user];
            var history = histories.Before(user, time);
            var liked = histories.LikedBefore(user, time, likeThreshold);
            var disliked = histories.DislikedBefore(user, time, likeThreshold);
            var builder = random.NextDouble() < options.ValidationUsers ? valid : train;
            for (var k = 0; k < lists[n].Length; k++)
            {
                var candidate = lists[n][k];
                var picked = validation[user].TryGetValue(candidate.Item, out var rating);
                labels.Clear();
                labels[0] = picked ? 1 : 0;
                if (labels.Length > 1)
                {
                    labels[1] = picked && rating >= likeThreshold ? 1 : 0;
                }
                builder.Add(features.Users[user], features.Items[candidate.Item], time, history, labels, user,
                    liked: liked, disliked: disliked, recall: (candidate.Score, k));
            }
        }
        var trainRows = train.Build();
        var scaled = map.WithDenseScaling(trainRows);
        return new CtrSplit(
            "two-stage impressions",
            trainRows.WithMap(scaled),
            valid.Build().WithMap(scaled),
            new CtrDatasetBuilder(scaled).Build(),
            new RankingFeatures(scaled, features.Users, features.Items));
    }

    private static Dictionary<int, long> FirstTimes(IEnumerable<Interaction> interactions)
    {
        var first = new Dictionary<int, long>();
        foreach (var i in interactions)
        {
            first[i.User] = first.TryGetValue(i.User, out var t) ? Math.Min(t, i.Timestamp) : i.Timestamp;
        }
        return first;
    }
}
