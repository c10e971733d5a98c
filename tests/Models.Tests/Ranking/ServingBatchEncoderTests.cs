using RecSys.Models.Data;
using RecSys.Models.Ranking;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking;

public class ServingBatchEncoderTests
{
    private static readonly CtrSplit Split = CtrData.Split(
        SyntheticDataset.Generate(new SyntheticOptions { Users = 60, Items = 50, Seed = 3 }),
        new CtrOptions { Labelling = CtrLabelling.ClickAndLike, Features = new FeatureMapOptions { HistoryLength = 8 } });

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Serving_batches_hold_exactly_what_the_training_builder_and_batch_give(bool withRecallSignals)
    {
        var basis = Split.Features;
        var map = withRecallSignals
            // Scaling other than (0, 1) so a missed standardisation shows.
            ? basis.Map with { Features = [.. basis.Map.Features, new DenseFeature(FeatureNames.RecallScore, 0.5f, 2f), new DenseFeature(FeatureNames.RecallLogRank, 1f, 0.5f)] }
            : basis.Map;
        var features = new RankingFeatures(map, basis.Users, basis.Items);
        var random = new DeterministicRandom(9);
        var requests = new List<RankingRequest>();
        foreach (var (candidates, history) in new[] { (1, 0), (5, 3), (7, 20), (4, 8) })
        {
            // 20 history items: longer than the map keeps (8), so truncation to the most recent is compared too.
            var items = Enumerable.Range(0, history).Select(_ => random.Next(features.Items.Count)).ToArray();
            var liked = items.Where(_ => random.NextDouble() < 0.5).ToArray();
            var pool = Enumerable.Range(0, candidates).Select(_ => random.Next(features.Items.Count)).ToArray();
            requests.Add(new RankingRequest(
                features.User(requests.Count == 0 ? -1 : random.Next(features.Users.Count)),
                items,
                pool,
                1_700_000_000 + random.Next(100_000),
                liked,
                [.. items.Except(liked)],
                withRecallSignals ? [.. pool.Select(_ => (float)random.NextDouble())] : null));
        }

        using var scope = NewDisposeScope();
        var serving = new ServingBatchEncoder(map).Encode(requests, features.Items, CPU);
        var training = TrainingBatch(map, features, requests);

        Assert.Equal(training.Count, serving.Count);
        Assert.Equal(training.Sparse.data<long>().ToArray(), serving.Sparse.data<long>().ToArray());
        Assert.Equal(training.Dense.data<float>().ToArray(), serving.Dense.data<float>().ToArray());
        Assert.Equal(training.Sequences.Count, serving.Sequences.Count);
        for (var s = 0; s < training.Sequences.Count; s++)
        {
            Assert.Equal(training.Sequences[s].shape, serving.Sequences[s].shape);
            Assert.Equal(training.Sequences[s].data<long>().ToArray(), serving.Sequences[s].data<long>().ToArray());
            Assert.Equal(training.Masks[s].data<float>().ToArray(), serving.Masks[s].data<float>().ToArray());
        }
        Assert.Null(serving.Labels);
        Assert.Contains(serving.Masks.SelectMany(m => m.data<float>().ToArray()), v => v == 1);
    }

    private static CtrBatch TrainingBatch(FeatureMap map, RankingFeatures features, IReadOnlyList<RankingRequest> requests)
    {
        var builder = new CtrDatasetBuilder(map);
        var labels = new float[map.Tasks.Count];
        foreach (var r in requests)
        {
            for (var n = 0; n < r.Candidates.Count; n++)
            {
                builder.Add(r.User, features.Items[r.Candidates[n]], r.Timestamp, [.. r.History], labels, 0,
                    liked: [.. r.Liked!], disliked: [.. r.Disliked!], recall: r.RecallScores is { } s ? (s[n], n) : null);
            }
        }
        var data = builder.Build();
        return data.Batch([.. Enumerable.Range(0, data.Count)], CPU, withLabels: false);
    }
}
