using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Grains.Tests;

[Collection(ServingCollection.Name)]
public sealed class ServingPipelineTests(ServingClusterFixture fixture)
{
    private IRecommenderGrain Recommender => fixture.Client.GetGrain<IRecommenderGrain>(0);

    private static UserEvent Click(string item) => new(item, EventType.Click, null, DateTimeOffset.UtcNow, null);

    private string Item(int index) => fixture.Dataset.Items[index];

    [Fact]
    public async Task After_one_event_the_very_next_snapshot_holds_the_advanced_sequence_vectors()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("live-vectors-1");
        var gru = fixture.Models.Vector("gru4rec")!;
        var youtube = fixture.Models.Vector("youtubednn")!;

        await user.RecordAsync([Click(Item(3))]);
        var first = await user.GetSnapshotAsync();
        await user.RecordAsync([Click(Item(40))]);
        var second = await user.GetSnapshotAsync();

        Assert.Equal("v1", second.ModelVersion);
        // GRU4Rec was stepped one item per event; the result equals reading the whole sequence at once.
        AssertClose(gru.UserVector([3]), first.Vector("gru4rec")!);
        AssertClose(gru.UserVector([3, 40]), second.Vector("gru4rec")!);
        AssertClose(youtube.UserVector([3, 40]), second.Vector("youtubednn")!);
        Assert.NotEqual(first.Vector("gru4rec"), second.Vector("gru4rec"));
        Assert.NotEqual(first.Vector("youtubednn"), second.Vector("youtubednn"));
    }

    [Fact]
    public async Task The_recall_shards_together_return_the_exact_nearest_items_of_the_live_vector_without_seen_items()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("live-vectors-2");
        await user.RecordAsync([Click(Item(7)), Click(Item(8)), Click(Item(90))]);
        var snapshot = await user.GetSnapshotAsync();
        var seen = new[] { 7, 8, 90 };

        foreach (var model in fixture.Models.Vectors)
        {
            var vector = snapshot.Vector(model.Name)!;
            var hits = new List<(int Item, float Score)>();
            for (var s = 0; s < ServingClusterFixture.Shards; s++)
            {
                var shard = fixture.Client.GetGrain<IRecallShardGrain>(RecallShardKeys.Of("v1", s, ServingClusterFixture.Shards));
                var answer = await shard.SearchAsync([new ShardQuery(model.Name, vector, 10, [.. seen.Where(i => i % ServingClusterFixture.Shards == s)])]);
                Assert.All(answer[0].Items, i => Assert.Equal(s, i % ServingClusterFixture.Shards));
                hits.AddRange(answer[0].Items.Zip(answer[0].Scores));
            }
            var found = hits.OrderByDescending(h => h.Score).Take(10).Select(h => h.Item).ToList();

            var all = Enumerable.Range(0, model.Items.Count).ToArray();
            var scores = new float[all.Length];
            model.Model.ScoreItems(vector, all, scores);
            var exact = all.Where(i => !seen.Contains(i)).OrderByDescending(i => scores[i]).Take(10).ToList();
            Assert.Equal(exact, found);
        }
    }

    [Fact]
    public async Task A_request_runs_every_channel_ranks_with_din_and_never_returns_seen_or_excluded_items()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("pipeline-1");
        await user.RecordAsync([Click(Item(1)), Click(Item(2)), Click(Item(60))]);
        var first = await Recommender.RecommendAsync(new RecommendQuery(SubjectKind.User, "pipeline-1", 10));

        Assert.Equal("v1", first.ModelVersion);
        Assert.Equal("din", first.Ranker);
        Assert.Empty(first.Degraded);
        Assert.Equal(10, first.Items.Length);
        Assert.All(first.Items, r =>
        {
            Assert.NotNull(r.RankScore);
            Assert.Equal(r.RankScore!.Value, r.Score);
            Assert.Contains(r.Channel, new[] { "gru4rec", "youtubednn", "sknn", Channels.ItemCf, Channels.Popularity });
        });
        Assert.Equal(first.Items.OrderByDescending(r => r.Score).Select(r => r.ItemId), first.Items.Select(r => r.ItemId));
        Assert.DoesNotContain(first.Items, r => r.ItemId == Item(1) || r.ItemId == Item(2) || r.ItemId == Item(60));
        Assert.True(first.Candidates > 10, $"{first.Candidates} candidates");

        var excluded = first.Items.Take(3).Select(r => r.ItemId).ToImmutableArray();
        var second = await Recommender.RecommendAsync(new RecommendQuery(SubjectKind.User, "pipeline-1", 10, excluded));
        Assert.DoesNotContain(second.Items, r => excluded.Contains(r.ItemId));
        Assert.Equal(10, second.Items.Length);
        Assert.All(second.Items, r => Assert.InRange(r.RankScore!.Value, 0, 1));

        // One more event changes the very next answer.
        await user.RecordAsync([Click(first.Items[0].ItemId)]);
        var third = await Recommender.RecommendAsync(new RecommendQuery(SubjectKind.User, "pipeline-1", 10));
        Assert.DoesNotContain(third.Items, r => r.ItemId == first.Items[0].ItemId);
        Assert.NotEqual(first.Items.Select(r => (r.ItemId, r.Score)), third.Items.Select(r => (r.ItemId, r.Score)));
    }

    [Fact]
    public async Task A_session_is_recommended_from_its_own_events_apart_from_a_user_with_the_same_id()
    {
        var session = fixture.Client.GetGrain<ISessionGrain>("shared-id");
        await session.RecordAsync([Click(Item(20)), Click(Item(21))]);
        var forSession = await Recommender.RecommendAsync(new RecommendQuery(SubjectKind.Session, "shared-id", 10));
        var forUser = await Recommender.RecommendAsync(new RecommendQuery(SubjectKind.User, "shared-id", 10));

        Assert.Equal("din", forSession.Ranker);
        // The session's own items may come back (repeats are on for sessions), only through its history channel.
        Assert.All(forSession.Items.Where(r => r.ItemId == Item(20) || r.ItemId == Item(21)), r => Assert.Equal(Channels.History, r.Channel));
        Assert.Equal(0, (await fixture.Client.GetGrain<IUserGrain>("shared-id").GetSnapshotAsync()).TotalEvents);
        Assert.All(forUser.Items, r => Assert.Equal(Channels.Popularity, r.Channel)); // the user has no history
    }

    [Fact]
    public async Task The_ranking_batcher_gathers_concurrent_requests_into_fewer_forward_passes_with_unchanged_scores()
    {
        var ranker = fixture.Models.Ranker!;
        using var batcher = new RankingBatcher(Options.Create(new ServingOptions { RankBatchDelay = TimeSpan.FromMilliseconds(50) }));
        var requests = Enumerable.Range(0, 16).Select(n => new RankingRequest(
            ranker.Scorer.Features.User(n),
            [n, n + 1, n + 2],
            [.. Enumerable.Range(30 + n, 20)],
            1_700_000_000,
            [n],
            [],
            CandidateFeatures: CandidateFeatureValues(ranker, 20, n))).ToList();

        var batched = await Task.WhenAll(requests.Select(r => batcher.ScoreAsync(ranker, r)));

        Assert.InRange(batcher.Batches, 1, 8);
        for (var n = 0; n < requests.Count; n++)
        {
            var alone = ranker.Scorer.Score(requests[n], task: 0);
            AssertClose(alone, batched[n]);
        }
    }

    [Fact]
    public async Task Two_ranking_workers_each_score_with_their_own_copy_of_the_ranker_and_agree_with_one()
    {
        var options = new ServingOptions { RankConcurrency = 2, RankBatchDelay = TimeSpan.Zero, RankMaxBatchRows = 20 };
        using var models = new ServingModelLoader(fixture.Artifacts, ItemCfModel.Build(fixture.Dataset), fixture.Dataset, options, TimeProvider.System).Load("v1");
        var ranker = models.Ranker!;
        Assert.Equal(2, ranker.Scorers.Count);
        Assert.NotSame(ranker.Scorers[0].Ranker, ranker.Scorers[1].Ranker);
        Assert.Same(ranker.Scorers[0].Features, ranker.Scorers[1].Features);
        using var batcher = new RankingBatcher(Options.Create(options));
        var requests = Enumerable.Range(0, 24).Select(n => new RankingRequest(
            ranker.Scorer.Features.User(n),
            [n, n + 1],
            [.. Enumerable.Range(40 + n, 20)],
            1_700_000_000,
            [n],
            [],
            CandidateFeatures: CandidateFeatureValues(ranker, 20, n))).ToList();

        // One request per pass (20 rows each), so both workers take passes while the other is busy.
        var scored = await Task.WhenAll(requests.Select(r => batcher.ScoreAsync(ranker, r)));

        Assert.Equal(requests.Count, batcher.Batches);
        for (var n = 0; n < requests.Count; n++)
        {
            AssertClose(fixture.Models.Ranker!.Scorer.Score(requests[n], task: 0), scored[n]);
        }
    }

    [Fact]
    public async Task A_multi_task_ranker_serves_the_task_the_configuration_names()
    {
        var options = new ServingOptions { RankTask = "like", RankBatchDelay = TimeSpan.Zero };
        using var models = new ServingModelLoader(fixture.Artifacts, ItemCfModel.Build(fixture.Dataset), fixture.Dataset, options, TimeProvider.System).Load("v1");
        var ranker = models.Ranker!;
        var tasks = ranker.Scorer.Features.Map.Tasks;
        Assert.Equal(["click", "like"], tasks); // the test data has ratings
        Assert.Equal(1, ranker.Task);
        using var batcher = new RankingBatcher(Options.Create(options));
        var request = new RankingRequest(ranker.Scorer.Features.User(3), [3, 4], [.. Enumerable.Range(10, 12)], 1_700_000_000, [3], [], CandidateFeatures: CandidateFeatureValues(ranker, 12, 3));

        var served = await batcher.ScoreAsync(ranker, request);

        AssertClose(ranker.Scorer.Score(request, task: 1), served);
    }

    /// <summary>Arbitrary but varied recall-stage features for <paramref name="candidates"/> candidates.</summary>
    private static float[]? CandidateFeatureValues(RankerModel ranker, int candidates, int seed)
    {
        if (ranker.CandidateFeatures is not { } features)
        {
            return null;
        }
        var random = new Random(seed);
        return [.. Enumerable.Range(0, candidates * features.Names.Count).Select(_ => (float)random.NextDouble())];
    }

    private static void AssertClose(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-4, $"component {i}: {expected[i]} vs {actual[i]}");
        }
    }
}
