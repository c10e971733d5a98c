using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Tests.Evaluation;

public sealed class SessionEvaluationTests
{
    // Training popularity: 0 → 1, 1 → 2, 2 → 3; item 3 never occurs in training, so it is never a candidate.
    private static readonly SessionData Train = new([[0, 1, 2], [1, 2], [2]], 4);

    // Predictions: [0] → 1, [0, 1] → 2, [2] → 2 (a repeat).
    private static readonly SessionData Test = new([[0, 1, 2], [2, 2]], 4);

    /// <summary>Fixed scores per prefix.</summary>
    private sealed class Stub : ISessionScorer
    {
        public void Score(ReadOnlySpan<int> prefix, Span<float> scores)
        {
            float[] fixedScores = prefix switch
            {
                [0] => [0.9f, 0.5f, 0.5f, 5f],    // target 1 ties with 2, which is more popular
                [0, 1] => [0.1f, 0.2f, 0.3f, 9f], // target 2 first (3 is no candidate)
                _ => [0.5f, 0.4f, 0.1f, 0f],      // [2] → target 2 last
            };
            fixedScores.CopyTo(scores);
        }
    }

    [Fact]
    public void Hit_rate_and_mrr_of_a_hand_built_case()
    {
        var evaluator = new SessionEvaluator(Train, Test, new SessionEvaluationOptions { K = 2 });

        var metrics = evaluator.Evaluate(new Stub());

        Assert.Equal(3, evaluator.Predictions);
        Assert.Equal(3, evaluator.CandidateItems);
        Assert.Equal([[3, 1], [3]], evaluator.Ranks(new Stub()));
        Assert.Equal(1 / 3.0, metrics["hit@2"], 12);
        Assert.Equal(1 / 3.0, metrics["mrr@2"], 12);
        Assert.Equal(1 / 3.0, metrics["ndcg@2"], 12);
        Assert.Equal(1.0, metrics["coverage@2"], 12); // lists [0, 2], [2, 1], [0, 1]
    }

    [Fact]
    public void Excluding_seen_items_removes_the_prefix_and_makes_a_repeat_a_miss()
    {
        var evaluator = new SessionEvaluator(Train, Test, new SessionEvaluationOptions { K = 2, ExcludeSeen = true });

        var metrics = evaluator.Evaluate(new Stub());

        // [0] → 1: item 0 is excluded, 2 still ranks above → 2. [0, 1] → 2: rank 1. [2] → 2: the target is excluded.
        Assert.Equal([[2, 1], [int.MaxValue]], evaluator.Ranks(new Stub()));
        Assert.Equal(2 / 3.0, metrics["hit@2"], 12);
        Assert.Equal((0.5 + 1) / 3, metrics["mrr@2"], 12);
        Assert.Equal((1 / Math.Log2(3) + 1) / 3, metrics["ndcg@2"], 12);
    }

    [Fact]
    public void Ties_follow_popularity_then_the_tie_rule()
    {
        int[][] Ranks(bool popularity, TieRule ties) =>
            new SessionEvaluator(Train, Test, new SessionEvaluationOptions { PopularityTieBreak = popularity, Ties = ties }).Ranks(new Stub());

        // [0] → 1 ties with item 2 on 0.5: 2 is more popular, so it ranks above under either rule.
        Assert.Equal(3, Ranks(popularity: true, TieRule.Optimistic)[0][0]);
        Assert.Equal(3, Ranks(popularity: false, TieRule.Pessimistic)[0][0]);
        Assert.Equal(2, Ranks(popularity: false, TieRule.Optimistic)[0][0]);
    }

    [Fact]
    public void Coverage_counts_the_items_of_any_top_k_list()
    {
        var metrics = new SessionEvaluator(Train, Test, new SessionEvaluationOptions { K = 1 }).Evaluate(new Stub());

        Assert.Equal(2 / 3.0, metrics["coverage@1"], 12); // lists [0], [2], [0]
        Assert.Equal(1 / 3.0, metrics["hit@1"], 12);
    }

    [Fact]
    public void Results_do_not_depend_on_parallelism()
    {
        var data = RecSys.Models.Tests.Recall.SessionModelTests.Planted(seed: 2);
        var train = new SessionData(data.Sessions.Take(700).ToArray(), data.ItemCount);
        var test = new SessionData(data.Sessions.Skip(700).Where(s => s.Length >= 2).ToArray(), data.ItemCount);
        var model = SessionKnnModel.Build(train.Sessions, train.ItemCount, new SessionKnnOptions { Weighting = PrefixWeighting.Linear });

        var one = new SessionEvaluator(train, test, new SessionEvaluationOptions { Parallelism = 1 }).Evaluate(model);
        var four = new SessionEvaluator(train, test, new SessionEvaluationOptions { Parallelism = 4 }).Evaluate(model);

        Assert.Equal(one, four);
    }

    [Fact]
    public void The_split_orders_sessions_by_first_event_and_holds_out_the_latest_share()
    {
        // Sessions by first event: 9 (t 0), 10 (t 0; 9 < 10 numerically), a (t 5), b (t 7), c (t 8).
        var data = TestData.Dataset(
            ("10", "x", 1f, 0L), ("10", "y", 1f, 1L),
            ("9", "x", 1f, 0L), ("9", "z", 1f, 2L),
            ("a", "x", 1f, 5L), ("a", "z", 1f, 6L),
            ("b", "x", 1f, 7L), ("b", "new", 1f, 8L), ("b", "y", 1f, 9L),   // "new" is unseen in training: dropped
            ("c", "new", 1f, 8L), ("c", "x", 1f, 9L));                      // one event left: dropped

        var split = SessionSplit.Create(data, new SessionSplitOptions { TestShare = 0.4 });

        Assert.Equal(["9", "10", "a"], split.Train.Ids);                  // floor(5 × 0.6) = 3
        Assert.Equal([0L, 0L, 5L], split.Train.StartTimes);
        Assert.Equal(["b"], split.Test.Ids);
        Assert.Equal(2, split.HeldOutSessions);
        Assert.Equal(2, split.DroppedTestEvents);
        Assert.Equal(1, split.DroppedTestSessions);
        Assert.Equal(1, split.Predictions);
        Assert.Equal([data.Items.Ids.ToList().IndexOf("x"), data.Items.Ids.ToList().IndexOf("y")], split.Test.Sessions[0]);

        // Validation: the same rule on the 3 training sessions: floor(3 × 0.6) = 1 before (9: x, z), 2 held out;
        // 10 keeps only x (y is unseen in 9) and is dropped, a keeps x, z.
        var validation = split.Train.Validation!;
        Assert.Equal(["9"], validation.Train.Ids);
        Assert.Equal(["a"], validation.Validation.Ids);
        Assert.Null(validation.Train.Validation);
    }

    [Fact]
    public void The_validation_split_uses_training_sessions_only()
    {
        var data = SyntheticDataset.Generate(new SyntheticOptions { Users = 200, Items = 30, Seed = 4 });

        var split = SessionSplit.Create(data);
        var validation = split.Train.Validation!;

        Assert.NotNull(validation);
        var testIds = split.Test.Ids.ToHashSet();
        Assert.DoesNotContain(validation.Train.Ids, testIds.Contains);
        Assert.DoesNotContain(validation.Validation.Ids, testIds.Contains);
        Assert.Subset(split.Train.Ids.ToHashSet(), validation.Train.Ids.Concat(validation.Validation.Ids).ToHashSet());
        Assert.Equal((int)Math.Floor(split.Train.Count * 0.8), validation.Train.Count);
        var known = validation.Train.Sessions.SelectMany(s => s).ToHashSet();
        Assert.All(validation.Validation.Sessions, s => { Assert.True(s.Length >= 2); Assert.All(s, i => Assert.Contains(i, known)); });
        var trainItems = split.Train.Sessions.SelectMany(s => s).ToHashSet();
        Assert.All(split.Test.Sessions, s => { Assert.True(s.Length >= 2); Assert.All(s, i => Assert.Contains(i, trainItems)); });
        Assert.True(split.Train.StartTimes.Zip(split.Train.StartTimes.Skip(1)).All(p => p.First <= p.Second));
    }

    [Fact]
    public void Test_days_hold_out_the_sessions_that_end_in_the_last_days()
    {
        const long day = 86_400;
        var data = TestData.Dataset(
            ("old", "x", 1f, 0L), ("old", "y", 1f, 10L),
            ("long", "x", 1f, 1L), ("long", "y", 1f, 9 * day),          // starts early, ends in the last 2 days
            ("mid", "y", 1f, 5 * day), ("mid", "x", 1f, 5 * day + 1),
            ("new", "y", 1f, 9 * day + 5), ("new", "x", 1f, 10 * day));

        var split = SessionSplit.Create(data, new SessionSplitOptions { TestDays = 2 });

        Assert.Equal(["old", "mid"], split.Train.Ids);
        Assert.Equal(["long", "new"], split.Test.Ids);
        Assert.Contains("last 2 days", split.Protocol);
    }

    [Fact]
    public void Export_writes_session_rec_files_numbered_in_chronological_order()
    {
        var folder = Directory.CreateTempSubdirectory("recsys-export-").FullName;
        try
        {
            var data = TestData.Dataset(
                ("s2", "x", 1f, 5L), ("s2", "y", 1f, 6L),
                ("s1", "y", 1f, 1L), ("s1", "x", 1f, 2L), ("s1", "z", 1f, 3L),
                ("s3", "x", 1f, 9L), ("s3", "q", 1f, 10L), ("s3", "y", 1f, 11L));
            var split = SessionSplit.Create(data, new SessionSplitOptions { TestShare = 0.3 });

            split.Export(folder);

            Assert.Equal(["SessionId\tItemId\tTime", "1\ty\t1", "1\tx\t2", "1\tz\t3", "2\tx\t5", "2\ty\t6"], File.ReadAllLines(Path.Combine(folder, "train.tsv")));
            Assert.Equal(["SessionId\tItemId\tTime", "3\tx\t9", "3\ty\t11"], File.ReadAllLines(Path.Combine(folder, "test.tsv")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
