using System.Collections.Immutable;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UserAndRecommenderGrainTests(ClusterFixture fixture)
{
    private static UserEvent Event(string item, EventType type = EventType.Click, string? id = null, double? value = null) =>
        new(item, type, value, DateTimeOffset.UtcNow, id);

    private IRecommenderGrain Recommender => fixture.Client.GetGrain<IRecommenderGrain>(0);

    [Fact]
    public async Task An_event_updates_the_sequence_and_changes_the_next_recommendations()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("grain-user-1");
        var before = await Recommender.RecommendAsync("grain-user-1", 10);
        Assert.Equal(10, before.Length);
        Assert.All(before, r => Assert.Equal(Channels.Popularity, r.Channel)); // cold start
        var clicked = before[0].ItemId;

        var recorded = await user.RecordAsync([Event(clicked)]);
        var snapshot = await user.GetSnapshotAsync();
        var after = await Recommender.RecommendAsync("grain-user-1", 10);

        Assert.Single(recorded);
        Assert.Equal([clicked], snapshot.Recent.Select(e => e.ItemId));
        Assert.Equal<string>([clicked], snapshot.Seen);
        Assert.Equal(1, snapshot.TotalEvents);
        Assert.Equal(10, after.Length);
        Assert.DoesNotContain(after, r => r.ItemId == clicked);
        Assert.NotEqual(before.Select(r => r.ItemId), after.Select(r => r.ItemId));
        // The clicked item's ItemCF neighbours lead the list, labelled with their channel; the score is the
        // similarity times the click's weight.
        fixture.ItemCf.Items.TryGetIndex(clicked, out var index);
        var topNeighbour = fixture.ItemCf.Neighbours(index)[0];
        Assert.Equal(fixture.ItemCf.Items[topNeighbour.Item], after[0].ItemId);
        Assert.Equal(Channels.ItemCf, after[0].Channel);
        Assert.Equal(EventWeights.Of(EventType.Click, null) * topNeighbour.Score, after[0].Score, 5);
        Assert.Equal(after.Length, after.Select(r => r.ItemId).Distinct().Count());
    }

    [Fact]
    public async Task Seen_items_never_come_back_in_any_channel()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("grain-user-2");
        var popular = await Recommender.RecommendAsync("grain-user-2", 30);
        var history = popular.Take(25).Select(r => Event(r.ItemId, EventType.View)).ToImmutableArray();
        Assert.Equal(25, history.Length); // a user without history gets the popular items, even from a cold trending grain

        await user.RecordAsync(history);
        // Ask for every unseen item: ItemCF cannot reach them all, so popularity fills the rest.
        var unseen = fixture.Dataset.ItemCount - history.Length;
        var recommendations = await Recommender.RecommendAsync("grain-user-2", unseen);

        Assert.Equal(unseen, recommendations.Length);
        Assert.Empty(recommendations.Select(r => r.ItemId).Intersect(history.Select(e => e.ItemId)));
        Assert.Contains(recommendations, r => r.Channel == Channels.ItemCf);
        Assert.Contains(recommendations, r => r.Channel == Channels.Popularity);
    }

    [Fact]
    public async Task Skips_and_low_ratings_exclude_an_item_without_feeding_itemcf()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("grain-user-3");

        await user.RecordAsync([Event("i1", EventType.Skip), Event("i2", EventType.Rating, value: 1)]);
        var recommendations = await Recommender.RecommendAsync("grain-user-3", 10);

        Assert.DoesNotContain(recommendations, r => r.ItemId is "i1" or "i2");
        Assert.All(recommendations, r => Assert.Equal(Channels.Popularity, r.Channel));
    }

    [Fact]
    public async Task A_repeated_event_id_is_recorded_once()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("grain-user-4");

        var first = await user.RecordAsync([Event("i3", id: "evt-1"), Event("i4", id: "evt-2")]);
        var retry = await user.RecordAsync([Event("i3", id: "evt-1"), Event("i5")]);
        var snapshot = await user.GetSnapshotAsync();

        Assert.Equal(2, first.Length);
        Assert.Equal(["i5"], retry.Select(e => e.ItemId));
        Assert.Equal(3, snapshot.TotalEvents);
        Assert.Equal(["i3", "i4", "i5"], snapshot.Recent.Select(e => e.ItemId));
    }

    [Fact]
    public async Task Sequence_and_seen_set_stay_bounded_keeping_the_newest()
    {
        var user = fixture.Client.GetGrain<IUserGrain>("grain-user-5");
        var events = Enumerable.Range(1, 100).Select(i => Event("i" + i, EventType.View)).ToImmutableArray();

        await user.RecordAsync(events);
        var snapshot = await user.GetSnapshotAsync();

        Assert.Equal(100, snapshot.TotalEvents);
        Assert.Equal(events.TakeLast(ClusterFixture.RecentEvents).Select(e => e.ItemId), snapshot.Recent.Select(e => e.ItemId));
        Assert.Equal<string>(events.TakeLast(ClusterFixture.SeenItems).Select(e => e.ItemId), snapshot.Seen);
    }

    [Fact]
    public async Task Unknown_users_get_an_empty_snapshot_and_popular_items()
    {
        var snapshot = await fixture.Client.GetGrain<IUserGrain>("nobody-" + Guid.NewGuid()).GetSnapshotAsync();

        Assert.Empty(snapshot.Recent);
        Assert.Equal(0, snapshot.TotalEvents);
        Assert.Null(snapshot.LastEventAt);
    }

    [Fact]
    public async Task Similar_items_are_the_itemcf_neighbours()
    {
        var similar = await Recommender.SimilarItemsAsync("i10", 5);

        fixture.ItemCf.Items.TryGetIndex("i10", out var index);
        var expected = fixture.ItemCf.Neighbours(index)[..5].ToArray();
        Assert.Equal(expected.Select(n => fixture.ItemCf.Items[n.Item]), similar.Select(s => s.ItemId));
        Assert.All(similar, s => Assert.Equal(Channels.ItemCf, s.Channel));
        Assert.Empty(await Recommender.SimilarItemsAsync("not-in-the-model", 5));
    }
}
