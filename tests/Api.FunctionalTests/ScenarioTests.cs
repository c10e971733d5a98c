using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecSys.Api.Contracts;
using RecSys.Grains.Contracts;

using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>The acceptance script, as a new user would run it, plus the catalogue endpoints.</summary>
public sealed class ScenarioTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private HttpClient Client => api.Client;

    [Fact]
    public async Task Five_clicks_give_ten_personal_recommendations_that_differ_from_popularity()
    {
        var items = await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?offset=0&limit=50");
        Assert.NotNull(items);
        Assert.Equal(50, items.Items.Count);
        Assert.True(items.Total >= 150);

        var anonymous = await Client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/someone-new/recommendations?count=10");
        var user = "scenario-" + Guid.NewGuid().ToString("N")[..8];
        var clicked = items.Items.Skip(5).Take(5).Select(i => i.ItemId).ToArray();
        var events = clicked.Select(id => new { userId = user, itemId = id, type = "click" }).ToArray();

        var post = await Client.PostAsJsonAsync("/v1/events", events);
        var accepted = await post.Content.ReadFromJsonAsync<EventsAccepted>();
        var response = await Client.GetAsync($"/v1/users/{user}/recommendations?count=10");
        var recommendations = await response.Content.ReadFromJsonAsync<RecommendationsResponse>();

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal(5, accepted!.Accepted);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(user, recommendations!.UserId);
        Assert.Equal(10, recommendations.Items.Count);
        Assert.All(recommendations.Items, r =>
        {
            Assert.False(string.IsNullOrEmpty(r.Channel));
            Assert.True(r.Score > 0);
        });
        Assert.Empty(recommendations.Items.Select(r => r.ItemId).Intersect(clicked));
        Assert.Contains(recommendations.Items, r => r.Channel == Channels.ItemCf);
        Assert.NotEqual(anonymous!.Items.Select(r => r.ItemId), recommendations.Items.Select(r => r.ItemId));
        Assert.All(anonymous.Items, r => Assert.Equal(Channels.Popularity, r.Channel));

        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");
        Assert.Equal(clicked, profile!.Recent.Select(e => e.ItemId));
        Assert.Equal(5, profile.SeenItems);
    }

    [Fact]
    public async Task The_raw_json_uses_camel_case_fields()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/v1/users/raw-json-user/recommendations?count=2"));

        Assert.Equal("raw-json-user", document.RootElement.GetProperty("userId").GetString());
        var first = document.RootElement.GetProperty("items")[0];
        Assert.Equal(JsonValueKind.String, first.GetProperty("itemId").ValueKind);
        Assert.Equal(JsonValueKind.Number, first.GetProperty("score").ValueKind);
        Assert.Equal("popularity", first.GetProperty("channel").GetString());
    }

    [Fact]
    public async Task Items_can_be_created_read_listed_and_have_similar_items()
    {
        var id = "put-" + Guid.NewGuid().ToString("N")[..8];

        var put = await Client.PutAsJsonAsync($"/v1/items/{id}", new { title = "  A new film ", categories = new[] { "Drama", "Drama", "Indie" }, tags = new[] { "new" } });
        var created = await put.Content.ReadFromJsonAsync<ItemResponse>();
        var read = await Client.GetFromJsonAsync<ItemResponse>($"/v1/items/{id}");
        var total = (await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?limit=1"))!.Total;
        var last = await Client.GetFromJsonAsync<ItemListResponse>($"/v1/items?offset={total - 1}&limit=5");
        var similar = await Client.GetFromJsonAsync<SimilarItemsResponse>("/v1/items/i1/similar?count=5");
        var noNeighbours = await Client.GetFromJsonAsync<SimilarItemsResponse>($"/v1/items/{id}/similar");

        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(("A new film", true), (created!.Title, created.HasMetadata));
        Assert.Equal(["Drama", "Indie"], read!.Categories);
        Assert.Equal(["new"], read.Tags);
        Assert.Contains(last!.Items, i => i.ItemId == id);
        Assert.Equal(5, similar!.Items.Count);
        Assert.All(similar.Items, s => Assert.Equal(Channels.ItemCf, s.Channel));
        Assert.DoesNotContain(similar.Items, s => s.ItemId == "i1");
        Assert.Empty(noNeighbours!.Items); // a new item has no co-occurrence yet
    }

    [Fact]
    public async Task An_event_for_an_unknown_item_creates_it_without_metadata_and_counts_it()
    {
        var id = "event-item-" + Guid.NewGuid().ToString("N")[..8];

        await Client.PostAsJsonAsync("/v1/events", new[]
        {
            new { userId = "counter-1", itemId = id, type = "view" },
            new { userId = "counter-2", itemId = id, type = "purchase" },
        });
        var item = await Client.GetFromJsonAsync<ItemResponse>($"/v1/items/{id}");

        Assert.False(item!.HasMetadata);
        Assert.Null(item.Title);
        Assert.Equal((1, 1), (item.Counters.Views, item.Counters.Purchases));
        Assert.True(item.Counters.Popularity > 6.9); // view 1 + purchase 6, barely decayed
    }

    [Fact]
    public async Task A_retried_batch_with_event_ids_counts_once()
    {
        var user = "retry-" + Guid.NewGuid().ToString("N")[..8];
        var batch = new[]
        {
            new { userId = user, itemId = "i20", type = "click", eventId = "r-1" },
            new { userId = user, itemId = "i21", type = "like", eventId = "r-2" },
        };

        var first = await (await Client.PostAsJsonAsync("/v1/events", batch)).Content.ReadFromJsonAsync<EventsAccepted>();
        var retry = await (await Client.PostAsJsonAsync("/v1/events", batch)).Content.ReadFromJsonAsync<EventsAccepted>();
        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");

        Assert.Equal(new EventsAccepted(2, 0), first);
        Assert.Equal(new EventsAccepted(2, 2), retry);
        Assert.Equal(2, profile!.TotalEvents);
    }
}
