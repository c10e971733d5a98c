using RecSys.Models.Data;
using RecSys.Models.Ranking;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking;

public class ServingBatchEncoderTests(RankerZooFixture zoo) : IClassFixture<RankerZooFixture>
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
        var shared = 0;
        for (var s = 0; s < training.Sequences.Count; s++)
        {
            // A history is sent once per request; expanded to rows it is what the builder gives every row.
            var rows = serving.SequenceRows?[s];
            shared += rows is null ? 0 : 1;
            var ids = rows is null ? serving.Sequences[s] : serving.Sequences[s].index_select(0, rows);
            var mask = rows is null ? serving.Masks[s] : serving.Masks[s].index_select(0, rows);
            Assert.Equal(rows is null ? training.Count : requests.Count, serving.Sequences[s].shape[0]);
            Assert.Equal(training.Sequences[s].shape, ids.shape);
            Assert.Equal(training.Sequences[s].data<long>().ToArray(), ids.data<long>().ToArray());
            Assert.Equal(training.Masks[s].data<float>().ToArray(), mask.data<float>().ToArray());
        }
        Assert.Equal(3, shared); // hist_item_id, hist_liked_item_id, hist_disliked_item_id
        Assert.Null(serving.Labels);
        Assert.Contains(serving.Masks.SelectMany(m => m.data<float>().ToArray()), v => v == 1);
    }

    [Theory]
    [InlineData("din")]
    [InlineData("deepfm")]
    public void A_ranker_scores_a_serving_batch_as_it_scores_the_training_batch(string name)
    {
        var split = zoo.Split;
        var ranker = zoo.Trained(name);
        var random = new DeterministicRandom(4);
        var requests = Enumerable.Range(0, 5).Select(r =>
        {
            var history = Enumerable.Range(0, 3 + 2 * r).Select(_ => random.Next(split.Features.Items.Count)).ToArray();
            return new RankingRequest(split.Features.User(r), history, [.. Enumerable.Range(0, 6).Select(_ => random.Next(split.Features.Items.Count))],
                1_700_000_000, [.. history.Where((_, i) => i % 2 == 0)], [.. history.Where((_, i) => i % 2 == 1)]);
        }).ToList();

        using var scope = NewDisposeScope();
        var serving = ranker.Predict(new ServingBatchEncoder(split.Features.Map).Encode(requests, split.Features.Items, CPU));
        var training = ranker.Predict(TrainingBatch(split.Features.Map, split.Features, requests));

        Assert.Equal(training.Length, serving.Length);
        for (var n = 0; n < training.Length; n++)
        {
            Assert.True(Math.Abs(training[n] - serving[n]) < 1e-5, $"row {n}: {training[n]} against {serving[n]}");
        }
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
