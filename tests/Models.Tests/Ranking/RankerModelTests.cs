using RecSys.Models.Data;
using RecSys.Models.Evaluation.Metrics;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking;

/// <summary>Tiny CTR splits from synthetic data and one trained copy of every ranker, shared by the tests of a class.</summary>
public sealed class RankerZooFixture : IDisposable
{
    /// <summary>The deep rankers of the zoo (lr and fm have the foundation's own tests).</summary>
    public static readonly string[] Names = ["widedeep", "deepfm", "dcn", "dcnv2", "din", "autoint", "xdeepfm", "fibinet", "mmoe", "ple"];

    private readonly Dictionary<string, IRanker> _trained = new(StringComparer.Ordinal);

    public RankerZooFixture()
    {
        var dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 120, Items = 80, Seed = 11 });
        // Two tasks (click on rated vs sampled items, like = rating ≥ 4), short histories: every model outputs [B, 2].
        Split = CtrData.Split(dataset, new CtrOptions { Labelling = CtrLabelling.ClickAndLike, Features = new FeatureMapOptions { HistoryLength = 8 } });
    }

    public CtrSplit Split { get; }

    /// <summary>One epoch of small batches with small embeddings; every other option at its default.</summary>
    public static Dictionary<string, string> Quick(string name) => new() { ["epochs"] = "1", ["batch"] = "128", ["embedding"] = "8", ["seed"] = "5" };

    /// <summary>The ranker <paramref name="name"/> trained for one epoch on <see cref="Split"/> (trained once).</summary>
    public IRanker Trained(string name)
    {
        if (!_trained.TryGetValue(name, out var ranker))
        {
            ranker = RankerCatalog.Create(name, Quick(name));
            ranker.Fit(Split.Train, Split.Validation, new RankingContext(Device: "cpu"));
            _trained[name] = ranker;
        }
        return ranker;
    }

    public void Dispose()
    {
        foreach (var ranker in _trained.Values)
        {
            ranker.Dispose();
        }
    }
}

public class RankerModelTests(RankerZooFixture zoo) : IClassFixture<RankerZooFixture>, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-rankers-").FullName;

    public static TheoryData<string> Names => [.. RankerZooFixture.Names];

    public void Dispose()
    {
        Directory.Delete(_folder, recursive: true);
        GC.SuppressFinalize(this);
    }

    [Fact]
    public void Every_model_is_in_the_catalogue_with_documented_defaults()
    {
        foreach (var name in RankerZooFixture.Names)
        {
            Assert.True(RankerCatalog.Contains(name), name);
            Assert.Equal(name, RankerCatalog.Create(name).Name);
        }
        var options = RankerCatalog.Options().Where(o => RankerZooFixture.Names.Contains(o.Model)).ToList();
        Assert.All(options, o => Assert.StartsWith("(", o.Description));
        Assert.Contains(options, o => o is { Model: "dcnv2", Option: "structure", Default: "stacked" });
        Assert.Contains(options, o => o is { Model: "din", Option: "hidden", Default: "200,80" });
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void One_epoch_gives_a_probability_per_task(string name)
    {
        var ranker = zoo.Trained(name);
        var test = zoo.Split.Test;

        var probabilities = ranker.Predict(test);

        Assert.Equal(["click", "like"], ranker.Tasks);
        Assert.Equal(test.Count * 2, probabilities.Length);
        Assert.All(probabilities, p => Assert.True(float.IsFinite(p) && p > 0 && p < 1, $"{name}: {p}"));
        Assert.True(probabilities.Distinct().Count() > test.Count / 10, $"{name} scores (almost) everything alike");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Save_then_load_gives_identical_predictions(string name)
    {
        var ranker = zoo.Trained(name);
        var folder = Path.Combine(_folder, name);
        ranker.Save(folder);
        using var loaded = RankerCatalog.Create(name, RankerZooFixture.Quick(name));

        loaded.Load(folder, "cpu");

        Assert.Equal(ranker.Predict(zoo.Split.Test), loaded.Predict(zoo.Split.Test));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Scoring_candidates_in_one_batch_equals_scoring_each_alone(string name)
    {
        var ranker = zoo.Trained(name);
        var features = zoo.Split.Features;
        var request = new RankingRequest(features.Users[3], [5, 9, 2, 14], [.. Enumerable.Range(0, 25)], Timestamp: 1_704_200_000);

        var together = new CandidateScorer(ranker, features).Score(request);

        var tasks = ranker.Tasks.Count;
        for (var c = 0; c < request.Candidates.Count; c++)
        {
            var builder = new CtrDatasetBuilder(features.Map);
            builder.Add(request.User, features.Items[request.Candidates[c]], request.Timestamp, [.. request.History], new float[tasks], group: 0);
            using var scope = NewDisposeScope();
            var alone = ranker.Predict(builder.Build().Batch([0], ranker.Device, withLabels: false));
            for (var t = 0; t < tasks; t++)
            {
                Assert.True(Math.Abs(alone[t] - together[c * tasks + t]) < 1e-5, $"{name}, candidate {c}, task {t}: {alone[t]} alone, {together[c * tasks + t]} in the batch");
            }
        }
    }

    [Theory]
    [InlineData("mmoe")]
    [InlineData("ple")]
    public void Multi_task_models_give_each_task_its_own_output(string name)
    {
        var probabilities = zoo.Trained(name).Predict(zoo.Split.Test);

        var click = RankingModel<RankerOptions>.Column(probabilities, 2, 0);
        var like = RankingModel<RankerOptions>.Column(probabilities, 2, 1);
        Assert.True(click.Zip(like).Count(p => Math.Abs(p.First - p.Second) > 1e-3) > click.Length / 2, $"{name}: the tasks' outputs coincide");
        // Clicks are half of the rows and likes fewer, so the towers must have learned different base rates.
        Assert.True(click.Average() > like.Average(), $"{name}: click {click.Average():0.000}, like {like.Average():0.000}");
    }

    [Theory]
    [InlineData(FeatureNames.LikedHistoryItemId)]
    [InlineData(FeatureNames.HistoryItemId)]
    public void Din_without_its_history_feature_says_what_is_missing(string history)
    {
        var map = zoo.Split.Train.Map with { Features = [.. zoo.Split.Train.Map.Features.Where(f => f.Name != history)] };
        var builder = new CtrDatasetBuilder(map);
        builder.Add(zoo.Split.Features.Users[0], zoo.Split.Features.Items[0], 1_704_200_000, [], [1f, 0f], group: 0);
        var settings = new Dictionary<string, string>(RankerZooFixture.Quick("din")) { ["history"] = history };
        using var din = RankerCatalog.Create("din", settings);

        var error = Assert.Throws<RecommenderConfigurationException>(() => din.Fit(builder.Build(), null, new RankingContext(Device: "cpu")));

        Assert.Contains(history, error.Message);
    }

    [Theory]
    [InlineData("dcnv2", "structure", "diagonal", "structure")]
    [InlineData("dcnv2", "cross_layers", "0", "cross_layers must be from 1 to 10")]
    [InlineData("din", "hidden", "200,x", "hidden must be 1 to 10 comma-separated sizes")]
    [InlineData("din", "activation", "tanh", "activation must be one of dice, prelu, relu, sigmoid")]
    [InlineData("xdeepfm", "cin", "15,10", "cin sizes but the last must be even")]
    [InlineData("autoint", "heads", "0", "heads must be from 1 to 64")]
    [InlineData("fibinet", "bilinear_type", "pairwise", "bilinear_type must be one of all, each, interaction")]
    [InlineData("mmoe", "experts", "0", "experts must be from 1 to 64")]
    [InlineData("ple", "expert_hidden", "none", "expert_hidden must be 1 to 10 comma-separated sizes")]
    [InlineData("widedeep", "dropout", "1.5", "dropout must be in [0, 1)")]
    public void Bad_options_are_rejected_with_the_reason(string model, string option, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RankerCatalog.Create(model, new Dictionary<string, string> { [option] = value }));

        Assert.Contains(model, error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Optional_towers_can_be_switched_off()
    {
        foreach (var (name, option) in new[] { ("dcn", "hidden"), ("dcnv2", "hidden"), ("autoint", "hidden"), ("xdeepfm", "hidden"), ("mmoe", "tower") })
        {
            var settings = RankerZooFixture.Quick(name);
            settings[option] = "none";
            using var ranker = RankerCatalog.Create(name, settings);
            ranker.Fit(zoo.Split.Train, null, new RankingContext(Device: "cpu"));
            Assert.All(ranker.Predict(zoo.Split.Test), p => Assert.True(float.IsFinite(p), name));
        }
    }
}

/// <summary>DIN and DCN-V2 learn the synthetic users' tastes: better than a constant predictor after a few epochs.</summary>
public class RankerLearningTests
{
    [Theory]
    [InlineData("din", "")]
    [InlineData("din", "normalize=false,activation=prelu")]
    [InlineData("dcnv2", "")]
    [InlineData("dcnv2", "mix=true,structure=parallel")]
    public void Likes_are_ranked_better_than_by_a_constant(string name, string extra)
    {
        var dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 300, Items = 150, Seed = 3 });
        // One task: like = rating ≥ 4, which follows the user's taste for the item's category.
        var split = CtrData.Split(dataset, new CtrOptions { Features = new FeatureMapOptions { HistoryLength = 20 } });
        var settings = new Dictionary<string, string> { ["epochs"] = "6", ["batch"] = "256", ["embedding"] = "8", ["seed"] = "9" };
        foreach (var pair in extra.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            settings[pair.Split('=')[0]] = pair.Split('=')[1];
        }
        using var ranker = RankerCatalog.Create(name, settings);

        ranker.Fit(split.Train, split.Validation, new RankingContext(Device: "cpu"));

        var labels = split.Test.LabelsOf(0);
        Assert.InRange(labels.Average(), 0.1, 0.9);                                 // a constant scores AUC 0.5
        var auc = Auc.Of(labels, RankingModel<RankerOptions>.Column(ranker.Predict(split.Test), 1, 0));
        Assert.True(auc > 0.55, $"{name} {extra}: test AUC {auc:0.0000}");
    }
}
