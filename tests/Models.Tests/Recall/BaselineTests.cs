using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

/// <summary>One-epoch-scale smoke tests of every baseline on generated data.</summary>
public class BaselineTests
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 400, Items = 150, Seed = 21 });
    private static readonly DataSplit Split = Splits.StratifiedByItem(Data, 0.75, seed: 1);

    // Small settings keep the suite fast; the defaults are exercised by `recsys eval` (docs/quality.md).
    private static readonly Dictionary<string, Dictionary<string, string>> Fast = new()
    {
        ["bpr"] = new() { ["factors"] = "32", ["epochs"] = "30", ["lr"] = "0.05" },
        ["als"] = new() { ["iterations"] = "5" },
    };

    public static TheoryData<string> Learned => ["itemcf", "usercf", "bpr", "als", "ease"];

    private static double Ndcg(string model)
    {
        var evaluator = new RankingEvaluator(Split);
        var result = evaluator.Run(RecommenderCatalog.Create(model, Fast.GetValueOrDefault(model)), new TrainingContext(Seed: 5, Device: "cpu"));
        Assert.Equal(evaluator.EvaluatedUsers, result.Users);
        Assert.All(result.Metrics.Values, v => Assert.True(double.IsFinite(v)));
        return result.Metrics["ndcg@10"];
    }

    [Theory]
    [MemberData(nameof(Learned))]
    public void Learned_models_beat_popularity_on_structured_data(string model)
    {
        var popularity = Ndcg("pop");
        var learned = Ndcg(model);

        Assert.True(learned > popularity * 1.1, $"{model} ndcg@10 {learned:0.000} vs popularity {popularity:0.000}");
    }

    [Theory]
    [MemberData(nameof(Learned))]
    public void Training_is_deterministic_for_a_seed(string model)
    {
        float[] ScoresOf(ulong seed)
        {
            var recommender = RecommenderCatalog.Create(model, Fast.GetValueOrDefault(model));
            var train = new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train);
            recommender.Fit(train, new TrainingContext(Seed: seed, Device: "cpu"));
            var scores = new float[Split.ItemCount];
            recommender.Score(3, scores);
            return scores;
        }

        Assert.Equal(ScoresOf(11), ScoresOf(11));
    }

    [Fact]
    public void Popularity_ranks_by_training_counts()
    {
        var train = new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train);
        var model = new PopularityRecommender();
        model.Fit(train, new TrainingContext());
        var scores = new float[Split.ItemCount];
        model.Score(0, scores);

        for (var i = 0; i < Split.ItemCount; i++)
        {
            Assert.Equal(train.ItemDegree(i), scores[i]);
        }
    }

    [Fact]
    public void Ease_closed_form_matches_a_hand_computed_two_item_case()
    {
        // Two items, both bought by one user: G = [[1,1],[1,1]] + λI with λ = 1 → [[2,1],[1,2]];
        // P = 1/3 [[2,-1],[-1,2]]; B_01 = −P_01 / P_11 = (1/3)/(2/3) = 0.5. A user with item 0 scores item 1 at 0.5.
        var train = new UserItemMatrix(1, 2, [new Interaction(0, 0, 1, 0), new Interaction(0, 1, 1, 0)]);
        var model = new EaseRecommender(new EaseOptions { Lambda = 1 });
        model.Fit(train, new TrainingContext(Device: "cpu"));
        var scores = new float[2];
        model.Score(0, scores);

        Assert.Equal(0.5f, scores[0], 5); // from item 1 (B_10 = 0.5), diagonal is zero
        Assert.Equal(0.5f, scores[1], 5);
    }

    [Fact]
    public void Cholesky_solver_solves_a_known_system()
    {
        // A = [[4,2],[2,3]], b = [2,1] → x = [0.5, 0].
        double[] a = [4, 0, 2, 3];
        double[] b = [2, 1];
        AlsRecommender.CholeskySolve(a, b, 2);
        Assert.Equal(0.5, b[0], 12);
        Assert.Equal(0.0, b[1], 12);
    }

    [Fact]
    public void Options_bind_by_name_and_reject_unknown_names_or_values()
    {
        var model = RecommenderCatalog.Create("itemcf", new Dictionary<string, string> { ["k"] = "200", ["similarity"] = "Jaccard" });

        Assert.Contains("k=200", model.Describe());
        Assert.Contains("similarity=jaccard", model.Describe());
        Assert.Contains("has no option 'neighbors'", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("itemcf", new Dictionary<string, string> { ["neighbors"] = "5" })).Message);
        Assert.Contains("bpr.epochs='many'", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("bpr", new Dictionary<string, string> { ["epochs"] = "many" })).Message);
        Assert.Contains("not one of cosine, jaccard", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("itemcf", new Dictionary<string, string> { ["similarity"] = "pearson" })).Message);
        Assert.Throws<FormatException>(() => RecommenderCatalog.Create("svd"));
        Assert.Contains("factors must be from 1 to 1024", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("als", new Dictionary<string, string> { ["factors"] = "50000" })).Message);
        Assert.Contains("k must be from 1 to 100000", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("usercf", new Dictionary<string, string> { ["k"] = "1000000000" })).Message);
        Assert.Contains("lambda must be positive", Assert.Throws<FormatException>(() => RecommenderCatalog.Create("ease", new Dictionary<string, string> { ["lambda"] = "0" })).Message);
    }

    [Fact]
    public void Ease_refuses_catalogues_it_cannot_hold()
    {
        var train = new UserItemMatrix(1, 30, [new Interaction(0, 0, 1, 0)]);
        var model = new EaseRecommender(new EaseOptions { MaxItems = 20 });

        Assert.Contains("max_items", Assert.Throws<RecommenderConfigurationException>(() => model.Fit(train, new TrainingContext(Device: "cpu"))).Message);
    }
}
