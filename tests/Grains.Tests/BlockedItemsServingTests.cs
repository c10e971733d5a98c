using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.TestSupport;

namespace RecSys.Grains.Tests;

/// <summary>
/// Blocked items through the request path of trained models: gone from every channel, without costing a channel its
/// quota, and back after unblocking. Each test unblocks what it blocked and waits until every silo has seen that,
/// so the other tests of the collection see no blocked items.
/// </summary>
[Collection(ServingCollection.Name)]
public sealed class BlockedItemsServingTests(ServingClusterFixture fixture)
{
    // The documented bound is one refresh interval (1 s) plus a call; the slack is for a loaded two-core machine.
    private static readonly TimeSpan Propagation = TimeSpan.FromSeconds(10);

    private IRecommenderGrain Recommender => fixture.Client.GetGrain<IRecommenderGrain>(0);

    private IBlockedItemsGrain Registry => fixture.Client.GetGrain<IBlockedItemsGrain>(CatalogGrainKeys.Default);

    private static UserEvent Click(string item) => new(item, EventType.Click, null, DateTimeOffset.UtcNow, null);

    private string Item(int index) => fixture.Dataset.Items[index];

    [Theory]
    [InlineData(SubjectKind.User)]
    [InlineData(SubjectKind.Session)]
    public async Task Items_recommended_before_blocking_are_gone_from_every_channel_after_it_and_back_after_unblocking(SubjectKind kind)
    {
        var id = "blocked-" + kind;
        IHistoryGrain subject = kind == SubjectKind.Session
            ? fixture.Client.GetGrain<ISessionGrain>(id)
            : fixture.Client.GetGrain<IUserGrain>(id);
        await subject.RecordAsync([Click(Item(1)), Click(Item(2)), Click(Item(60))]);
        // Every candidate of every channel, so each channel's own items show.
        var query = new RecommendQuery(kind, id, 500);
        var before = await Recommender.RecommendAsync(query);
        // Sessions may come back to their own items (the history channel): blocked ones too must never show.
        string[] channels = kind == SubjectKind.Session
            ? [Channels.History, "gru4rec", "youtubednn", "sknn", Channels.ItemCf, Channels.Popularity]
            : ["gru4rec", "youtubednn", "sknn", Channels.ItemCf, Channels.Popularity];
        var blocked = new List<string>();
        foreach (var channel in channels)
        {
            var found = before.Items.FirstOrDefault(r => r.Channel == channel);
            Assert.True(found is not null, $"no item from {channel} before blocking");
            blocked.Add(found.ItemId);
        }

        try
        {
            await BlockAsync(blocked);
            using var dropped = new DroppedAtMerge();
            // Several requests: whichever silo serves one, every copy has the block now.
            for (var n = 0; n < 4; n++)
            {
                var after = await Recommender.RecommendAsync(query);
                Assert.Empty(after.Degraded);
                Assert.Empty(after.Items.Select(r => r.ItemId).Intersect(blocked));
                Assert.All(channels, c => Assert.Contains(after.Items, r => r.Channel == c));
            }
            // Every channel (shards, ItemCF, trending) filtered the blocked items itself; the merge found none left.
            Assert.Equal(0, dropped.Count);
        }
        finally
        {
            await UnblockAsync(blocked);
        }

        var again = await Recommender.RecommendAsync(query);
        Assert.All(blocked, b => Assert.Contains(again.Items, r => r.ItemId == b));
    }

    [Fact]
    public async Task A_recall_shard_skips_blocked_items_inside_its_search_and_still_returns_its_quota()
    {
        var model = fixture.Models.Vector("gru4rec")!;
        var vector = model.UserVector([5, 6, 7]);
        var shard = fixture.Client.GetGrain<IRecallShardGrain>(RecallShardKeys.Of("v1", 0, ServingClusterFixture.Shards));
        var query = new ShardQuery(model.Name, vector, 10, []);
        var before = (await shard.SearchAsync([query]))[0];
        Assert.Equal(10, before.Items.Length);
        var blocked = before.Items.Take(3).Select(i => model.Items[i]).ToList();

        try
        {
            await BlockAsync(blocked);
            var after = (await shard.SearchAsync([query]))[0];
            // The next best items move up: a blocked item takes no place in the shard's answer.
            Assert.Equal(10, after.Items.Length);
            Assert.Equal(before.Items.Skip(3), after.Items.Take(7));
        }
        finally
        {
            await UnblockAsync(blocked);
        }

        // ImmutableArray equality is by reference: compare the elements.
        Assert.Equal(before.Items.ToArray(), (await shard.SearchAsync([query]))[0].Items.ToArray());
    }

    [Fact]
    public async Task Trending_fills_its_quota_past_blocked_items()
    {
        // No history: the answer is the trending channel alone, in popularity order, as long as its quota.
        var count = new ServingOptions().TrendingQuota;
        var query = new RecommendQuery(SubjectKind.User, "blocked-cold-user", count);
        var before = await Recommender.RecommendAsync(query);
        Assert.Equal(count, before.Items.Length);
        Assert.All(before.Items, r => Assert.Equal(Channels.Popularity, r.Channel));
        var blocked = before.Items.Take(5).Select(r => r.ItemId).ToList();

        try
        {
            await BlockAsync(blocked);
            var after = await Recommender.RecommendAsync(query);
            Assert.Equal(count, after.Items.Length);
            Assert.Equal(before.Items.Skip(5).Select(r => r.ItemId), after.Items.Take(count - 5).Select(r => r.ItemId));
        }
        finally
        {
            await UnblockAsync(blocked);
        }
    }

    [Fact]
    public async Task Similar_items_skip_blocked_neighbours_and_still_return_the_count_asked_for()
    {
        var item = Item(10);
        var before = await Recommender.SimilarItemsAsync(item, 5);
        Assert.Equal(5, before.Length);
        var blocked = before.Take(2).Select(r => r.ItemId).ToList();

        try
        {
            await BlockAsync(blocked);
            var after = await Recommender.SimilarItemsAsync(item, 5);
            Assert.Equal(5, after.Length);
            Assert.Equal(before.Skip(2).Select(r => r.ItemId), after.Take(3).Select(r => r.ItemId));
        }
        finally
        {
            await UnblockAsync(blocked);
        }

        Assert.Equal(before.Select(r => r.ItemId), (await Recommender.SimilarItemsAsync(item, 5)).Select(r => r.ItemId));
    }

    /// <summary>Counts what the merge's safety net drops while it is alive (only these tests block dataset items).</summary>
    private sealed class DroppedAtMerge : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public DroppedAtMerge()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument == GrainMetrics.BlockedItemsDropped)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    private async Task BlockAsync(IReadOnlyList<string> items)
    {
        foreach (var item in items)
        {
            await Registry.SetAsync(item, true, "test");
        }
        await EverySiloAsync(copy => items.All(copy.Contains), "every silo sees the block");
    }

    private async Task UnblockAsync(IReadOnlyList<string> items)
    {
        foreach (var item in items)
        {
            await Registry.SetAsync(item, false, null);
        }
        await EverySiloAsync(copy => !items.Any(copy.Contains), "every silo sees the unblock");
    }

    private Task EverySiloAsync(Func<BlockedItemSet, bool> condition, string what) =>
        Eventually.TrueAsync(
            () => Task.FromResult(fixture.Cluster.Silos.All(s => condition(s.ServiceProvider.GetRequiredService<BlockedItems>().Current))),
            Propagation,
            what);
}
