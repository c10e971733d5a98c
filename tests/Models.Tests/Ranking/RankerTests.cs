using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Ranking;
using RecSys.Models.Torch;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking;

public sealed class RankerTests : IDisposable
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 150, Items = 80, Seed = 11 });
    private static readonly CtrSplit Split = CtrData.Split(Data, new CtrOptions { Seed = 5, Labelling = CtrLabelling.ClickAndLike });
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-rank-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Models => ["lr", "fm"];

    private static IRanker Trained(string name, int epochs = 1)
    {
        var ranker = RankerCatalog.Create(name, new Dictionary<string, string> { ["epochs"] = epochs.ToString(), ["batch"] = "256", ["embedding"] = "8" });
        ranker.Fit(Split.Train, Split.Validation, new RankingContext(Seed: 3, Device: "cpu"));
        return ranker;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void One_epoch_trains_and_predicts_probabilities_for_every_task(string name)
    {
        using var ranker = Trained(name);

        var probabilities = ranker.Predict(Split.Test);

        Assert.Equal(Split.Test.Count * 2, probabilities.Length);
        Assert.All(probabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.NotNull(ranker.BestValidationAuc);
        Assert.Equal(["click", "like"], ranker.Tasks);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Save_then_load_gives_identical_predictions(string name)
    {
        using var ranker = Trained(name);
        var before = ranker.Predict(Split.Test);
        var folder = Path.Combine(_folder, name);
        RankerArtifact.Save(folder, ranker, Split.Features, Data, new Dictionary<string, double> { ["validation_auc"] = 0.5 });

        var (manifest, loaded, features, users, items) = RankerArtifact.Load(folder, "cpu");
        using var _ = loaded;

        Assert.Equal(ArtifactStages.Ranking, manifest.Stage);
        Assert.Equal(name, manifest.Model);
        Assert.Equal("8", manifest.Options["embedding"]);
        Assert.Equal(Data.ItemCount, items.Count);
        Assert.Equal(Data.UserCount, users.Count);
        Assert.Equal(Split.Features.Items.Select(i => i.Statistics), features.Items.Select(i => i.Statistics));
        Assert.Equal(ranker.FeatureMap.ToJson(), loaded.FeatureMap.ToJson());
        Assert.Equal(before, loaded.Predict(Split.Test));
        Assert.Throws<InvalidDataException>(() => ModelArtifact.Load(folder));
    }

    [Theory]
    [InlineData("fm")]
    [InlineData("deepfm")]  // a bare Linear head (TorchInit once skipped it: torch's global generator decided it)
    [InlineData("fibinet")] // a layer's own parameter (the bilinear weight)
    [InlineData("din")]     // Dice's batch norm, which counts batches with a scalar
    public void Training_is_reproducible_for_a_seed(string name)
    {
        using var a = Trained(name, epochs: 2);
        using var b = Trained(name, epochs: 2);

        Assert.Equal(a.Predict(Split.Test), b.Predict(Split.Test));
    }

    [Fact]
    public void Embeddings_share_tables_pool_with_masks_and_pass_dense_through()
    {
        var map = Split.Train.Map;
        using var embeddings = new FeatureEmbeddings(map, 4, new DeterministicRandom(2));
        using var scope = NewDisposeScope();
        var batch = Split.Test.Batch([0, 1, 2], CPU);

        var output = embeddings.forward(batch);

        var pooled = map.Features.Count(f => f is SparseFeature || f is SequenceFeature { Pooling: SequencePooling.Mean });
        Assert.Equal([3L, pooled, 4L], output.Fields.shape);
        Assert.Equal([3L, map.Dense.Count], output.Dense.shape);
        Assert.Equal([3L, pooled * 4L + map.Dense.Count], output.Flat().shape);
        var history = output.Sequences[FeatureNames.HistoryItemId];
        Assert.Equal([3L, 50L, 4L], history.Embeddings.shape);
        Assert.Equal([3L, 50L], history.Mask.shape);
        // hist_item_id reads item_id's table: the same id gives the same vector.
        var named = embeddings.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("tables.item_id.weight", named);
        Assert.DoesNotContain("tables.hist_item_id.weight", named);
        // Mean pooling of the history equals the masked mean of its raw embeddings.
        var mask = history.Mask.select(0, 0);
        var expected = (history.Embeddings.select(0, 0) * mask.unsqueeze(-1)).sum(dim: 0) / mask.sum(dim: 0).clamp_min(1.0.Held());
        Assert.True(allclose(expected, output.Field(FeatureNames.HistoryItemId).select(0, 0), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Batch_scoring_equals_per_example_predictions_and_is_thread_safe()
    {
        using var ranker = Trained("fm");
        var scorer = new CandidateScorer(ranker, Split.Features);
        var user = 4;
        var history = Data.InteractionsByUser()[user].Select(i => i.Item).ToArray();
        int[] candidates = [0, 5, 17, 33, 79];
        const long time = 1_750_000_000;
        var request = new RankingRequest(Split.Features.User(user), history, candidates, time);

        var batched = scorer.Score(request);

        Assert.Equal(candidates.Length * 2, batched.Length);
        for (var n = 0; n < candidates.Length; n++)
        {
            var one = scorer.Score(request with { Candidates = [candidates[n]] });
            Assert.Equal(one[0], batched[n * 2], 5);
            Assert.Equal(one[1], batched[n * 2 + 1], 5);
        }
        var parallel = new float[8][];
        Parallel.For(0, parallel.Length, k => parallel[k] = scorer.Score(request));
        Assert.All(parallel, p => Assert.Equal(batched, p));
        // The same example through the offline dataset path scores the same.
        var builder = new CtrDatasetBuilder(Split.Features.Map);
        builder.Add(Split.Features.User(user), Split.Features.Items[17], time, history, [0f, 0f], user);
        Assert.Equal(batched[2 * 2], ranker.Predict(builder.Build())[0], 5);
    }

    [Fact]
    public void Live_statistics_replace_the_trained_ones_for_serving()
    {
        var live = new UserStatistics();
        live.Add(5, [1]);
        var side = Split.Features.User(2, live: live);

        Assert.Equal(3, side.Id);
        Assert.Equal(live.Features(Split.Features.Map.Prior), side.Statistics);
        Assert.Equal(0, Split.Features.User(-1).Id);
    }
}
