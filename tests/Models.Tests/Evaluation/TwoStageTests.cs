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

    [Theory]
    [InlineData(TwoStageTraining.Impressions)]
    [InlineData(TwoStageTraining.Interactions)]
    public void Ranker_data_knows_nothing_of_the_test_items(TwoStageTraining training)
    {
        var (evaluator, recall, lists) = FirstStage(candidates: 30);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 30, Training = training });
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

    [Theory]
    [InlineData(TwoStageTraining.Impressions)]
    [InlineData(TwoStageTraining.Interactions)]
    public void Reranking_permutes_each_users_candidates_and_is_scored_by_the_same_metrics(TwoStageTraining training)
    {
        var (evaluator, recall, lists) = FirstStage(candidates: 25);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 25, NegativesPerPositive = 2, Training = training });
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
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 60, NegativesPerPositive = 1, RecallNegativeShare = 1, Training = TwoStageTraining.Interactions });
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

    [Fact]
    public void Impressions_are_the_recall_lists_at_the_validation_step_labelled_by_the_validation_item()
    {
        var (evaluator, recall, _) = FirstStage(candidates: 20);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 20 });
        var validationStep = new RankingEvaluator(Split.UserCount, Split.ItemCount, Split.Train, [], Split.Validation);
        var lists = validationStep.TopScoredLists(recall, 20);
        var validationItem = Split.Validation.ToDictionary(i => i.User, i => i.Item);
        var rows = new[] { twoStage.RankerData.Train, twoStage.RankerData.Validation };
        var map = rows[0].Map;
        var score = map.Dense.ToList().FindIndex(f => f.Name == FeatureNames.RecallScore);
        var rank = map.Dense.ToList().FindIndex(f => f.Name == FeatureNames.RecallLogRank);
        Assert.True(score >= 0 && rank >= 0);

        Assert.Equal(lists.Sum(l => l.Length), rows.Sum(r => r.Count));
        Assert.True(rows[1].Count > 0, "no users held out for early stopping");
        for (var n = 0; n < validationStep.Users.Count; n++)
        {
            var user = validationStep.Users[n];
            var part = rows.First(r => r.Users.Contains(user));
            var mine = Enumerable.Range(0, part.Count).Where(r => part.Users[r] == user).ToArray();
            Assert.Equal(lists[n].Select(s => s.Item), mine.Select(r => part.Items[r]));
            for (var k = 0; k < mine.Length; k++)
            {
                var row = mine[k];
                Assert.Equal(part.Items[row] == validationItem[user] ? 1f : 0f, part.Labels[row * part.TaskCount]);
                Assert.Equal(lists[n][k].Score, part.Dense[row * map.Dense.Count + score]);
                Assert.Equal(MathF.Log(1 + k), part.Dense[row * map.Dense.Count + rank], 5);
            }
        }
    }

    [Fact]
    public void An_impression_trained_ranker_needs_the_recall_scores_in_every_request()
    {
        var (evaluator, recall, _) = FirstStage(candidates: 20);
        var twoStage = new TwoStageEvaluation(Split, evaluator, recall, new TwoStageOptions { Candidates = 20 });
        using var ranker = new LogisticRegression(new LogisticRegressionOptions { Epochs = 1 });
        ranker.Fit(twoStage.RankerData.Train, twoStage.RankerData.Validation, new RankingContext(Device: "cpu"));
        var scorer = new CandidateScorer(ranker, twoStage.RankerData.Features);

        var error = Assert.Throws<ArgumentException>(() => scorer.Score(new RankingRequest(scorer.Features.User(0), [1, 2], [3, 4], 0)));

        Assert.Contains("RecallScores", error.Message);
        Assert.Equal(2, scorer.Score(new RankingRequest(scorer.Features.User(0), [1, 2], [3, 4], 0, RecallScores: [0.9f, 0.5f]), 0).Length);
    }
}
