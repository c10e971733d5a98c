using System.Net;
using System.Net.Http.Json;
using System.Text;
using RecSys.Api.Contracts;
using RecSys.Grains.Contracts;
using RecSys.TestSupport;
using static RecSys.TestSupport.HttpAssertions;

namespace RecSys.Api.FunctionalTests;

/// <summary>
/// Item flags through the HTTP API: block and unblock, the flag in every read of the item, the blocked list, and
/// blocked items missing from recommendations and similar items. The embedded default runs one silo, which holds
/// the registry, so a change is in effect when the PUT returns: these tests do not wait for it.
/// </summary>
public sealed class ItemFlagsTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private HttpClient Client => api.Client;

    private Task<HttpResponseMessage> PutFlagsAsync(string itemId, string json) =>
        Client.PutAsync($"/v1/items/{itemId}/flags", new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<ItemFlagsResponse> SetFlagsAsync(string itemId, string json)
    {
        var response = await PutFlagsAsync(itemId, json);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ItemFlagsResponse>())!;
    }

    private async Task<List<string>> RecommendedAsync(string path) =>
        [.. (await Client.GetFromJsonAsync<RecommendationsResponse>(path))!.Items.Select(i => i.ItemId)];

    [Fact]
    public async Task A_blocked_item_shows_blocked_everywhere_and_is_never_recommended_until_unblocked()
    {
        var coldUser = "/v1/users/flags-cold/recommendations?count=10";
        var popular = await RecommendedAsync(coldUser);
        var item = popular[0];
        var neighbour = (await Client.GetFromJsonAsync<SimilarItemsResponse>("/v1/items/i1/similar?count=5"))!.Items[0].ItemId;

        var blocked = await SetFlagsAsync(item, """{"blocked": true, "reason": "  out of stock "}""");
        await SetFlagsAsync(neighbour, """{"blocked": true}""");

        Assert.Equal((true, "out of stock"), (blocked.Blocked, blocked.Reason));
        Assert.NotNull(blocked.BlockedAt);
        Assert.Equal(blocked, (await Client.GetFromJsonAsync<ItemResponse>($"/v1/items/{item}"))!.Flags);
        Assert.Equal(blocked, await Client.GetFromJsonAsync<ItemFlagsResponse>($"/v1/items/{item}/flags"));
        var blockedList = (await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?blocked=true&limit=500"))!;
        Assert.Equal(2, blockedList.Total);
        Assert.Equal([item, neighbour], blockedList.Items.Select(i => i.ItemId));
        Assert.All(blockedList.Items, i => Assert.True(i.Flags.Blocked));
        var catalogue = (await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?limit=500"))!;
        Assert.True(catalogue.Items.Single(i => i.ItemId == item).Flags.Blocked);
        Assert.Contains(catalogue.Items, i => !i.Flags.Blocked);
        // New metadata leaves the flags alone.
        var described = await Client.PutAsJsonAsync($"/v1/items/{item}", new { title = "Back soon" });
        Assert.Equal(blocked, (await described.Content.ReadFromJsonAsync<ItemResponse>())!.Flags);

        var withoutIt = await RecommendedAsync(coldUser);
        var similar = (await Client.GetFromJsonAsync<SimilarItemsResponse>("/v1/items/i1/similar?count=5"))!.Items;
        Assert.Equal(10, withoutIt.Count);
        Assert.DoesNotContain(item, withoutIt);
        Assert.DoesNotContain(neighbour, withoutIt);
        Assert.Equal(5, similar.Count);
        Assert.DoesNotContain(similar, s => s.ItemId == neighbour);

        var unblocked = await SetFlagsAsync(item, """{"blocked": false}""");
        await SetFlagsAsync(neighbour, """{"blocked": false, "reason": null}""");

        Assert.Equal(new ItemFlagsResponse(false, null, null), unblocked);
        Assert.False((await Client.GetFromJsonAsync<ItemResponse>($"/v1/items/{item}"))!.Flags.Blocked);
        Assert.Equal(0, (await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?blocked=true"))!.Total);
        Assert.Contains(item, await RecommendedAsync(coldUser));
        Assert.Contains((await Client.GetFromJsonAsync<SimilarItemsResponse>("/v1/items/i1/similar?count=5"))!.Items, s => s.ItemId == neighbour);
    }

    [Fact]
    public async Task Blocked_items_leave_personal_and_session_recommendations()
    {
        var events = new[] { new { userId = "flags-user", itemId = "i1", type = "click" }, new { userId = "flags-user", itemId = "i2", type = "like" } };
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsJsonAsync("/v1/events", events)).StatusCode);
        var sessionEvents = new[] { new { itemId = "i3", type = "click" }, new { itemId = "i4", type = "click" } };
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsJsonAsync("/v1/sessions/flags-session/events", sessionEvents)).StatusCode);
        var forUser = (await Client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/flags-user/recommendations?count=20"))!.Items;
        var forSession = (await Client.GetFromJsonAsync<RecommendationsResponse>("/v1/sessions/flags-session/recommendations?count=20"))!.Items;
        var fromItemCf = forUser.First(i => i.Channel == Channels.ItemCf).ItemId;
        var fromSession = forSession.First(i => i.Channel == Channels.ItemCf).ItemId;

        try
        {
            await SetFlagsAsync(fromItemCf, """{"blocked": true, "reason": "policy"}""");
            await SetFlagsAsync(fromSession, """{"blocked": true, "reason": "policy"}""");

            var userAfter = await RecommendedAsync("/v1/users/flags-user/recommendations?count=20");
            var sessionAfter = await RecommendedAsync("/v1/sessions/flags-session/recommendations?count=20");
            Assert.Equal(20, userAfter.Count);
            Assert.DoesNotContain(fromItemCf, userAfter);
            Assert.DoesNotContain(fromSession, userAfter);
            Assert.Equal(20, sessionAfter.Count);
            Assert.DoesNotContain(fromSession, sessionAfter);
            Assert.DoesNotContain(fromItemCf, sessionAfter);
        }
        finally
        {
            await SetFlagsAsync(fromItemCf, """{"blocked": false}""");
            await SetFlagsAsync(fromSession, """{"blocked": false}""");
        }
    }

    [Fact]
    public async Task Flagging_an_unknown_item_creates_it_without_metadata()
    {
        var id = "flagged-new-" + Guid.NewGuid().ToString("N")[..8];

        var flags = await SetFlagsAsync(id, """{"blocked": true, "reason": "recalled"}""");
        var item = await Client.GetFromJsonAsync<ItemResponse>($"/v1/items/{id}");

        Assert.True(flags.Blocked);
        Assert.False(item!.HasMetadata);
        Assert.Equal(flags, item.Flags);
        await SetFlagsAsync(id, """{"blocked": false}""");
    }

    [Theory]
    [InlineData("""{}""", "blocked")]
    [InlineData("""{"blocked": null}""", "blocked")]
    [InlineData("""{"blocked": "true"}""", "blocked")]
    [InlineData("""{"blocked": 1}""", "blocked")]
    [InlineData("""{"blocked": true, "reason": ""}""", "reason")]
    [InlineData("""{"blocked": true, "reason": "   "}""", "reason")]
    [InlineData("""{"blocked": true, "reason": 42}""", "reason")]
    [InlineData("""{"blocked": true, "reason": "\ud800"}""", "reason")]
    [InlineData("""{"blocked": false, "reason": "restocked"}""", "reason")]
    [InlineData("""[{"blocked": true}]""", "body")]
    [InlineData("""{"blocked": """, "body")]
    [InlineData("", "body")]
    public async Task Bad_flag_bodies_are_rejected_naming_the_field_and_change_nothing(string json, string field)
    {
        var id = "flags-bad-" + Guid.NewGuid().ToString("N")[..8];

        await AssertProblemAsync(await PutFlagsAsync(id, json), 400, field);

        // Validation comes before anything is created or flagged.
        await AssertProblemAsync(await Client.GetAsync($"/v1/items/{id}"), 404);
        Assert.DoesNotContain((await Client.GetFromJsonAsync<ItemListResponse>("/v1/items?blocked=true&limit=500"))!.Items, i => i.ItemId == id);
    }

    [Fact]
    public async Task A_reason_longer_than_200_characters_is_rejected()
    {
        var json = $$"""{"blocked": true, "reason": "{{new string('x', 201)}}"}""";

        await AssertProblemAsync(await PutFlagsAsync("flags-long-reason", json), 400, "reason");
    }

    [Theory]
    [InlineData("blocked=false")]
    [InlineData("blocked=yes")]
    [InlineData("blocked=")]
    public async Task Listing_by_anything_but_blocked_true_is_rejected(string query)
    {
        await AssertProblemAsync(await Client.GetAsync($"/v1/items?{query}"), 400, "blocked");
    }

    [Fact]
    public async Task Flags_of_an_unknown_item_are_404_and_a_bad_id_is_400()
    {
        await AssertProblemAsync(await Client.GetAsync("/v1/items/no-such-item/flags"), 404);
        await AssertProblemAsync(await PutFlagsAsync(new string('x', 257), """{"blocked": true}"""), 400, "itemId");
    }

    [Fact]
    public async Task The_blocked_item_gauge_is_exported()
    {
        await TestSupport.Eventually.TrueAsync(
            async () => (await Client.GetStringAsync("/metrics")).Contains("recsys_items_blocked", StringComparison.Ordinal),
            TimeSpan.FromSeconds(30),
            "recsys_items_blocked in /metrics");
    }
}
