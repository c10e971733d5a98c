using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Evaluation;

public class RankingEvaluatorTests
{
    /// <summary>Scores items by a fixed table: known answers for known splits.</summary>
    private sealed class TableModel(Func<int, int, float> score) : IRecommender
    {
        public string Name => "table";

        public string Describe() => "";

        public void Fit(UserItemMatrix train, TrainingContext context)
        {
        }

        public void Score(int user, Span<float> scores)
        {
            for (var i = 0; i < scores.Length; i++)
            {
                scores[i] = score(user, i);
            }
        }
    }

    // Users 0, 1, 2; items 0..5. Train: u0 {0, 1}, u1 {2}, u2 {3, 4}. Validation: u0 {2}.
    // Test: u0 {3}, u1 {0, 4}. Item 5 has no training interaction.
    private static readonly InteractionDataset Data = TestData.Dataset(
        ("u0", "i0"), ("u0", "i1"), ("u1", "i2"), ("u0", "i2"), ("u0", "i3"), ("u1", "i0"), ("u1", "i4"), ("u1", "i5"),
        ("u2", "i3"), ("u2", "i4"));

    private static DataSplit Split()
    {
        var i = Data.Interactions;
        return new DataSplit("hand", Data, [i[0], i[1], i[2], i[8], i[9]], [i[3]], [i[4], i[5], i[6]]);
    }

    [Fact]
    public void Training_and_validation_items_are_never_candidates_and_metrics_average_over_test_users()
    {
        // Higher item index scores higher. Candidates are the trained items {0, 1, 2, 3, 4}.
        // u0 (train 0, 1; validation 2) ranks {3, 4} → [4, 3]: hit 3 at rank 2.
        // u1 (train 2) ranks {0, 1, 3, 4} → [4, 3]: hit 4 at rank 1 (0 is relevant too, but lower).
        var evaluator = new RankingEvaluator(Split(), new EvaluationOptions { K = 2 });
        var metrics = evaluator.Evaluate(new TableModel((_, item) => item));

        Assert.Equal(2, evaluator.EvaluatedUsers);
        Assert.Equal(5, evaluator.CandidateItems);
        Assert.Equal((0.5 + 0.5) / 2, metrics["precision@2"], 12);
        Assert.Equal((1 + 0.5) / 2, metrics["recall@2"], 12);
        Assert.Equal(1.0, metrics["hit@2"], 12);
        Assert.Equal((0.5 + 1) / 2, metrics["mrr@2"], 12);
        Assert.Equal(2 / 5.0, metrics["coverage"], 12); // items 3 and 4 of 5 candidates
    }

    [Fact]
    public void Ties_rank_relevant_items_last_so_constant_scores_earn_nothing()
    {
        // All scores equal: the relevant item must lose every tie. u0 ranks {3 (relevant), 4}, u1 ranks
        // {0 (relevant), 1, 3, 4 (relevant)}: at K = 1 an irrelevant item comes first for both.
        var evaluator = new RankingEvaluator(Split(), new EvaluationOptions { K = 1 });

        var metrics = evaluator.Evaluate(new TableModel((_, _) => 1f));

        Assert.Equal(0.0, metrics["hit@1"]);
    }

    [Fact]
    public void Only_items_with_training_data_are_candidates_and_nan_scores_are_reported()
    {
        // Item 5 has no training interaction: even a model that scores it highest cannot recommend it.
        var evaluator = new RankingEvaluator(Split(), new EvaluationOptions { K = 2 });
        var result = evaluator.Run(new TableModel((_, item) => item == 5 ? 100f : item == 0 ? float.NaN : item), new TrainingContext());

        Assert.Equal(5, evaluator.CandidateItems);
        Assert.Equal(2, result.NanScores); // item 0, scored for each of the two users
        Assert.Equal(1.0, result.Metrics["hit@2"], 12); // same lists as without item 5
    }

    [Fact]
    public void An_oracle_gets_perfect_scores()
    {
        var split = Split();
        var relevant = split.Test.Select(i => (i.User, i.Item)).ToHashSet();
        var evaluator = new RankingEvaluator(split, new EvaluationOptions { K = 2 });

        var metrics = evaluator.Evaluate(new TableModel((user, item) => relevant.Contains((user, item)) ? 1 : 0));

        Assert.Equal(1.0, metrics["ndcg@2"], 12);
        Assert.Equal(1.0, metrics["recall@2"], 12);
        Assert.Equal(1.0, metrics["map@2"], 12);
    }

    [Fact]
    public void Sampled_evaluation_is_labelled_and_ranks_among_the_sample_only()
    {
        var data = SyntheticDataset.Generate(new SyntheticOptions { Users = 100, Items = 300, Seed = 2 });
        var split = Splits.LeaveOneOut(data);
        var evaluator = new RankingEvaluator(split, new EvaluationOptions { K = 10, SampledNegatives = 20, Seed = 3 });

        // A model that ranks everything at random-but-fixed scores: with 20 negatives and 1 positive, hit@10 ≈ 10/21.
        var metrics = evaluator.Evaluate(new TableModel((user, item) => (float)((user * 7919 + item * 104729) % 1000)));
        var again = evaluator.Evaluate(new TableModel((user, item) => (float)((user * 7919 + item * 104729) % 1000)));

        Assert.Equal("sampled (20 negatives per user)", evaluator.Mode);
        Assert.True(metrics.ContainsKey("ndcg@10/sampled20"));
        Assert.False(metrics.ContainsKey("ndcg@10"));
        Assert.False(metrics.ContainsKey("coverage"));
        Assert.InRange(metrics["hit@10/sampled20"], 0.3, 0.65);
        Assert.Equal(metrics, again);
    }
}
