using RecSys.Grains.Contracts;

namespace RecSys.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CatalogGrainTests(ClusterFixture fixture)
{
    private ICatalogGrain Catalog => fixture.Client.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default);

    [Fact]
    public async Task Seeding_registers_every_item_with_metadata_and_is_remembered()
    {
        var page = await Catalog.ListAsync(0, 3);
        var item = await fixture.Client.GetGrain<IItemGrain>("i1").GetAsync();

        Assert.True(page.Total >= fixture.Dataset.ItemCount);
        Assert.Equal<string>(["i1", "i2", "i3"], page.ItemIds);
        Assert.NotNull(item);
        Assert.Equal(fixture.Dataset.ItemInfos[0].Title, item.Metadata!.Title);
        Assert.Equal(fixture.Dataset.Fingerprint, await Catalog.GetSeededFingerprintAsync());
    }

    [Fact]
    public async Task An_event_on_an_unknown_item_creates_it_without_metadata_and_lists_it()
    {
        var id = "new-item-" + Guid.NewGuid().ToString("N")[..8];
        var grain = fixture.Client.GetGrain<IItemGrain>(id);
        Assert.Null(await grain.GetAsync());

        await Catalog.RegisterAsync([id]); // the ingest path registers a batch's ids in one call
        await grain.RecordAsync([new ItemActivity(EventType.Click, 2, DateTimeOffset.UtcNow), new ItemActivity(EventType.View, 1, DateTimeOffset.UtcNow)]);
        var item = await grain.GetAsync();
        var total = (await Catalog.ListAsync(0, 0)).Total;
        var last = await Catalog.ListAsync(total - 1, 10);

        Assert.NotNull(item);
        Assert.Null(item.Metadata);
        Assert.Equal((1, 1), (item.Counters.Clicks, item.Counters.Views));
        Assert.Equal(3, item.Counters.Popularity, 3);
        Assert.Contains(id, last.ItemIds);
    }

    [Fact]
    public async Task Retried_activities_count_once()
    {
        var grain = fixture.Client.GetGrain<IItemGrain>("retried-" + Guid.NewGuid().ToString("N")[..8]);
        var now = DateTimeOffset.UtcNow;
        ItemActivity Click(string? key) => new(EventType.Click, 2, now, key);

        var first = await grain.RecordAsync([Click("u1\u001fe1"), Click("u1\u001fe1"), Click(null)]);
        var retry = await grain.RecordAsync([Click("u1\u001fe1"), Click("u2\u001fe1"), Click(null)]);
        var item = await grain.GetAsync();

        Assert.Equal(2, first.Length);   // the in-batch duplicate is dropped
        Assert.Equal(2, retry.Length);   // another user's e1 and the key-less click are new
        Assert.Equal(4, item!.Counters.Clicks);
    }

    [Fact]
    public async Task Seeding_without_metadata_creates_the_item_and_fills_metadata_later()
    {
        var grain = fixture.Client.GetGrain<IItemGrain>("bare-" + Guid.NewGuid().ToString("N")[..8]);

        await grain.SeedAsync(null);
        var bare = await grain.GetAsync();
        await grain.SeedAsync(new ItemMetadata("Now described", [], []));
        var described = await grain.GetAsync();

        Assert.NotNull(bare);
        Assert.Null(bare.Metadata);
        Assert.Equal("Now described", described!.Metadata!.Title);
    }

    [Fact]
    public async Task Upsert_replaces_metadata_and_seeding_never_overwrites_it()
    {
        var grain = fixture.Client.GetGrain<IItemGrain>("i7");
        var edited = new ItemMetadata("Edited title", ["Docs"], ["edited"]);

        var updated = await grain.UpsertAsync(edited);
        await grain.SeedAsync(new ItemMetadata("Seed title", [], []));
        var item = await grain.GetAsync();

        Assert.Equal("Edited title", updated.Metadata!.Title);
        Assert.Equal("Edited title", item!.Metadata!.Title);
        Assert.Equal<string>(["Docs"], item.Metadata.Categories);
    }

    [Fact]
    public async Task Paging_past_the_end_is_empty()
    {
        var page = await Catalog.ListAsync(1_000_000, 10);

        Assert.Empty(page.ItemIds);
    }

    [Fact]
    public async Task Live_engagement_lifts_an_item_in_the_popularity_ranking()
    {
        var popularity = fixture.Client.GetGrain<IPopularityGrain>(CatalogGrainKeys.Default);
        var before = await popularity.GetTopAsync(1000);
        var target = before[^1].ItemId; // the least popular ranked item
        var lead = before[0].Score;

        await popularity.RecordAsync([new PopularityDelta(target, lead + 10, DateTimeOffset.UtcNow)]);
        var after = await popularity.GetTopAsync(3);

        Assert.Equal(target, after[0].ItemId);
        Assert.True(after[0].Score > lead);
    }
}
