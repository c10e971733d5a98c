using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Evaluation;

public sealed class TwoStageTests
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 150, Items = 80, Seed = 21 });
    private static readonly DataSplit Split = Splits.LeaveOneOut(Data);

    private static (RankingEvaluator Evaluator, ItemKnnRecommender Recall, int[][] Lists) FirstStage(int candidates)
    {
        var evaluator = new RankingEvaluator(Split);
        var recall = new ItemKnnRecommender();
        evaluator.Run(recall, new TrainingContext(Seed: 5, Device: "cpu"));
        return (evaluator, recall, evaluator.TopLists(recall, candidates));
    }

    [Fact]
    public void The_recall_lists_score_exactly_as_the_evaluator_scores_the_model()
    {
        var (evaluator, recall, lists) = FirstStage(candidates: 40);

        var direct = evaluator.Evaluate(recall);
        var fromLists = evaluator.EvaluateLists(lists);

        Assert.All(lists, list => Assert.InRange(list.Length, 1, 40));           // fewer only when fewer items are unseen
        Assert.All(lists, list => Assert.Equal(list.Length, list.Distinct().Count()));
        foreach (var metric in new[] { "ndcg@10", "hit@10", "mrr@10", "recall@10", "precision@10", "coverage" })
        {
            Assert.Equal(direct[metric], fromLists[metric], 12);
        }
        Assert.InRange(evaluator.HitShare(lists), direct["hit@10"], 1);
    }

    [Fact]
    public void Ranker_data_knows_nothing_of_the_test_items()
    {
        var (evaluator, recall, lists) = FirstStage(candidates: 30);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 30 });
        Assert.Equal(lists, twoStage.Candidates);
        var test = Split.Test.Select(i => (i.User, i.Item)).ToHashSet();
        var history = twoStage.RankerData.Train.Map.Sequences.ToList().FindIndex(s => s.Name == "hist_item_id");
        Assert.True(history >= 0);

        Assert.DoesNotContain(twoStage.Known, i => test.Contains((i.User, i.Item)));
        foreach (var part in new[] { twoStage.RankerData.Train, twoStage.RankerData.Validation })
        {
            var length = part.Sequences[history].Length / Math.Max(1, part.Count);
            for (var n = 0; n < part.Count; n++)
            {
                var positive = part.Labels[n * part.TaskCount] > 0.5f;
                Assert.False(positive && test.Contains((part.Users[n], part.Items[n])), "a test interaction became a training positive");
                for (var p = 0; p < part.Lengths[history][n]; p++)
                {
                    var item = part.Sequences[history][n * length + p] - 1;   // ids are index + 1
                    Assert.False(test.Contains((part.Users[n], item)), "a test item appears in a history");
                }
            }
        }
        Assert.Equal(["click", "like"], twoStage.RankerData.Train.Map.Tasks);
        Assert.Empty(twoStage.RankerData.Test.Items);
    }

    [Fact]
    public void Reranking_permutes_each_users_candidates_and_is_scored_by_the_same_metrics()
    {
        var (evaluator, recall, lists) = FirstStage(candidates: 25);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 25, NegativesPerPositive = 2 });
        using var ranker = new LogisticRegression(new LogisticRegressionOptions { Epochs = 2 });

        var result = twoStage.Run(ranker, new RankingContext(Seed: 3, Device: "cpu"));
        var reranked = twoStage.Rerank(new CandidateScorer(ranker, twoStage.RankerData.Features));

        for (var u = 0; u < lists.Length; u++)
        {
            Assert.Equal(lists[u].Order(), reranked[u].Order());
        }
        Assert.Equal(evaluator.EvaluateLists(reranked)["ndcg@10"], result.Metrics["ndcg@10"], 12);
        Assert.Equal(twoStage.CandidateHitShare, evaluator.HitShare(reranked), 12);
        Assert.NotEqual(lists, reranked);
    }

    [Fact]
    public void Recall_negatives_come_from_the_users_candidates_each_at_most_once()
    {
        var (evaluator, recall, _) = FirstStage(candidates: 60);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 60, NegativesPerPositive = 1, RecallNegativeShare = 1 });
        var pools = evaluator.Users.Zip(twoStage.Candidates).ToDictionary(p => p.First, p => p.Second.ToHashSet());
        var positives = twoStage.Known.GroupBy(i => i.User).ToDictionary(g => g.Key, g => g.Count());
        var train = twoStage.RankerData.Train;
        var checkedUsers = 0;
        foreach (var (user, pool) in pools)
        {
            if (positives[user] > pool.Count / 2)
            {
                continue; // the pool may run out and fall back to uniform draws
            }
            var negatives = Enumerable.Range(0, train.Count).Where(n => train.Users[n] == user && train.Labels[n * train.TaskCount] < 0.5f).Select(n => train.Items[n]).ToList();
            Assert.NotEmpty(negatives);
            Assert.All(negatives, item => Assert.Contains(item, pool));
            Assert.Equal(negatives.Count, negatives.Distinct().Count());
            checkedUsers++;
        }
        Assert.True(checkedUsers >= 20, $"only {checkedUsers} users checked");
    }
}
