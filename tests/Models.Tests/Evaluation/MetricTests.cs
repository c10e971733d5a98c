using RecSys.Models.Evaluation.Metrics;

namespace RecSys.Models.Tests.Evaluation;

/// <summary>Every metric against values worked out by hand.</summary>
public class MetricTests
{
    // Ranked top-5: 7 (hit), 3, 9 (hit), 4, 1 (hit); relevant {1, 7, 9, 11}: 3 hits at ranks 1, 3, 5, one miss (11).
    private static readonly int[] Ranked = [7, 3, 9, 4, 1];
    private static readonly HashSet<int> Relevant = [1, 7, 9, 11];

    [Fact]
    public void Precision_recall_hit_and_mrr()
    {
        Assert.Equal(3 / 5.0, new PrecisionAtK(5).Compute(Ranked, Relevant), 12);
        Assert.Equal(2 / 3.0, new PrecisionAtK(3).Compute(Ranked, Relevant), 12); // 7, 3, 9: two hits
        Assert.Equal(3 / 4.0, new RecallAtK(5).Compute(Ranked, Relevant), 12);
        Assert.Equal(1.0, new HitRateAtK(1).Compute(Ranked, Relevant));
        Assert.Equal(0.0, new HitRateAtK(1).Compute([3, 7], Relevant));
        Assert.Equal(1 / 2.0, new MrrAtK(5).Compute([3, 7], Relevant), 12);
        Assert.Equal(0.0, new MrrAtK(1).Compute([3, 7], Relevant));
        Assert.Equal(2 / 10.0, new PrecisionAtK(10).Compute([7, 9], Relevant), 12); // short lists still divide by K
    }

    [Fact]
    public void Ndcg_uses_log2_discounts_and_an_ideal_of_min_relevant_k()
    {
        // DCG = 1/log2(2) + 1/log2(4) + 1/log2(6); IDCG over min(4, 5) = 4 hits: 1 + 1/log2(3) + 1/log2(4) + 1/log2(5).
        var dcg = 1 + 1 / Math.Log2(4) + 1 / Math.Log2(6);
        var idcg = 1 + 1 / Math.Log2(3) + 1 / Math.Log2(4) + 1 / Math.Log2(5);
        Assert.Equal(dcg / idcg, new NdcgAtK(5).Compute(Ranked, Relevant), 12);

        // K = 2: DCG = 1 (rank 1 only), IDCG = 1 + 1/log2(3).
        Assert.Equal(1 / (1 + 1 / Math.Log2(3)), new NdcgAtK(2).Compute(Ranked, Relevant), 12);
        Assert.Equal(1.0, new NdcgAtK(3).Compute([1, 7, 9], Relevant), 12);
    }

    [Fact]
    public void Map_has_the_microsoft_and_the_recbole_denominators()
    {
        // Precision at each hit: 1/1, 2/3, 3/5 → sum 2.2666...
        var sum = 1 + 2 / 3.0 + 3 / 5.0;
        Assert.Equal(sum / 4, new MapAtK(5, AveragePrecisionNormalization.RelevantCount).Compute(Ranked, Relevant), 12);
        Assert.Equal(sum / 4, new MapAtK(5, AveragePrecisionNormalization.MinRelevantK).Compute(Ranked, Relevant), 12);

        // K = 3: hits at 1 and 3 → 1 + 2/3; Microsoft divides by 4 relevant, RecBole by min(4, 3) = 3.
        Assert.Equal((1 + 2 / 3.0) / 4, new MapAtK(3, AveragePrecisionNormalization.RelevantCount).Compute(Ranked, Relevant), 12);
        Assert.Equal((1 + 2 / 3.0) / 3, new MapAtK(3, AveragePrecisionNormalization.MinRelevantK).Compute(Ranked, Relevant), 12);
        Assert.Equal("map@3", new MapAtK(3).Name);
        Assert.Equal("map_recbole@3", new MapAtK(3, AveragePrecisionNormalization.MinRelevantK).Name);
    }

    [Fact]
    public void Nothing_relevant_scores_zero()
    {
        HashSet<int> none = [];
        IRankingMetric[] metrics = [new PrecisionAtK(3), new RecallAtK(3), new NdcgAtK(3), new MapAtK(3), new HitRateAtK(3), new MrrAtK(3)];
        Assert.All(metrics, m => Assert.Equal(0.0, m.Compute(Ranked, none)));
        Assert.All(metrics, m => Assert.True(m.HigherIsBetter));
    }

    [Fact]
    public void Auc_counts_ties_as_half_and_gauc_weights_users_by_examples()
    {
        // Positives 0.9, 0.4; negatives 0.4, 0.1. Pairs: (0.9>0.4)=1, (0.9>0.1)=1, (0.4=0.4)=0.5, (0.4>0.1)=1 → 3.5/4.
        double[] labels = [1, 1, 0, 0];
        double[] scores = [0.9, 0.4, 0.4, 0.1];
        Assert.Equal(0.875, new Auc().Compute(labels, scores, []), 12);
        Assert.True(double.IsNaN(new Auc().Compute([1, 1], [0.2, 0.3], [])));

        // User 1 (4 examples): AUC 0.875; user 2 (2 examples): positive below negative → 0; user 3: one class only, skipped.
        double[] l = [1, 1, 0, 0, 1, 0, 1, 1];
        double[] p = [0.9, 0.4, 0.4, 0.1, 0.2, 0.8, 0.5, 0.6];
        int[] g = [1, 1, 1, 1, 2, 2, 3, 3];
        Assert.Equal((0.875 * 4 + 0 * 2) / 6, new Gauc().Compute(l, p, g), 12);
    }

    [Fact]
    public void LogLoss_rmse_and_mae_are_lower_is_better()
    {
        double[] labels = [1, 0];
        Assert.Equal((-Math.Log(0.8) - Math.Log(0.6)) / 2, new LogLoss().Compute(labels, [0.8, 0.4], []), 12);
        Assert.True(new LogLoss().Compute([1], [0.0], []) < 20); // clipped, not infinite

        double[] ratings = [4, 2, 5];
        double[] predicted = [3.5, 2, 3];
        Assert.Equal(Math.Sqrt((0.25 + 0 + 4) / 3), new Rmse().Compute(ratings, predicted, []), 12);
        Assert.Equal((0.5 + 0 + 2) / 3, new Mae().Compute(ratings, predicted, []), 12);
        IPointwiseMetric[] lowerIsBetter = [new LogLoss(), new Rmse(), new Mae()];
        Assert.All(lowerIsBetter, m => Assert.False(m.HigherIsBetter));
    }

    [Fact]
    public void Coverage_and_novelty()
    {
        int[][] lists = [[0, 1], [1, 2]];
        Assert.Equal(3 / 10.0, new CatalogueCoverage(10).Compute(lists), 12);

        // 8 users; item 0 seen by 4 (p = 1/2), item 1 by 2 (1/4), item 2 by none (counts as 1 → 1/8).
        var novelty = new Novelty([4, 2, 0], 8).Compute(lists);
        Assert.Equal((1 + 2 + 2 + 3) / 4.0, novelty, 12);
    }
}
