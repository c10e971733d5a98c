using System.Net;
using System.Net.Http.Json;
using System.Text;
using RecSys.Api.Contracts;
using RecSys.TestSupport;
using static RecSys.TestSupport.HttpAssertions;

namespace RecSys.Api.FunctionalTests;

/// <summary>Bad input gets 400/404/413/415 application/problem+json naming the field, and changes nothing.</summary>
public sealed class ValidationTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private HttpClient Client => api.Client;

    private Task<HttpResponseMessage> PostEventsAsync(string json, string contentType = "application/json") =>
        Client.PostAsync("/v1/events", new StringContent(json, Encoding.UTF8, contentType));

    [Theory]
    [InlineData("""{"itemId":"i1","type":"click"}""", "userId")]
    [InlineData("""{"userId":"","itemId":"i1","type":"click"}""", "userId")]
    [InlineData("""{"userId":"a/b","itemId":"i1","type":"click"}""", "userId")]
    [InlineData("""{"userId":{"id":1},"itemId":"i1","type":"click"}""", "userId")]
    [InlineData("""{"userId":"u","type":"click"}""", "itemId")]
    [InlineData("""{"userId":"u","itemId":"i1"}""", "type")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"watch"}""", "type")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"rating"}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"rating","value":7}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","value":"high"}""", "value")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","timestamp":"yesterday"}""", "timestamp")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","timestamp":"2999-01-01T00:00:00Z"}""", "timestamp")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","eventId":""}""", "eventId")]
    [InlineData("""{"userId":"\ud800","itemId":"i1","type":"click"}""", "userId")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"cl\udc00ick"}""", "type")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","eventId":"\ud800"}""", "eventId")]
    [InlineData("""{"userId":"u","itemId":"i1","type":"click","timestamp":"\ud800"}""", "timestamp")]
    [InlineData("""[{"userId":"u","itemId":"i1","type":"click"},{"userId":"u","type":"click"}]""", "[1].itemId")]
    [InlineData("""[]""", "body")]
    [InlineData("""[1, 2]""", "[0]")]
    [InlineData("""42""", "body")]
    [InlineData("""{"userId":"u","itemId":"i1",""", "body")]
    [InlineData("""not json""", "body")]
    [InlineData("", "body")]
    public async Task Bad_events_are_rejected_naming_the_field(string json, string field)
    {
        var response = await PostEventsAsync(json);

        await AssertProblemAsync(response, 400, field);
    }

    [Fact]
    public async Task Ids_longer_than_256_characters_are_rejected()
    {
        var response = await PostEventsAsync($$"""{"userId":"{{new string('u', 257)}}","itemId":"i1","type":"click"}""");

        await AssertProblemAsync(response, 400, "userId");
    }

    [Fact]
    public async Task A_batch_over_10000_events_is_rejected()
    {
        var events = string.Join(',', Enumerable.Repeat("""{"userId":"big","itemId":"i1","type":"view"}""", 10_001));

        var response = await PostEventsAsync($"[{events}]");

        await AssertProblemAsync(response, 400, "body");
    }

    [Fact]
    public async Task A_body_over_4_MB_is_413()
    {
        var padding = new string(' ', 4 * 1024 * 1024);
        var response = await PostEventsAsync($$"""{"userId":"u","itemId":"i1","type":"click"}{{padding}}""");
        var put = await Client.PutAsync("/v1/items/huge", new StringContent($$"""{"title":"t"}{{padding}}""", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, 413);
        await AssertProblemAsync(put, 413);
    }

    [Fact]
    public async Task A_non_json_content_type_is_415()
    {
        var response = await PostEventsAsync("""{"userId":"u","itemId":"i1","type":"click"}""", "text/plain");

        await AssertProblemAsync(response, 415);
    }

    [Fact]
    public async Task One_bad_event_rejects_the_whole_batch_and_records_nothing()
    {
        var user = "atomic-" + Guid.NewGuid().ToString("N")[..8];
        var newItem = "atomic-item-" + Guid.NewGuid().ToString("N")[..8];
        var json = $$"""
            [{"userId":"{{user}}","itemId":"i1","type":"click"},
             {"userId":"{{user}}","itemId":"{{newItem}}","type":"like"},
             {"userId":"{{user}}","itemId":"i2","type":"teleport"}]
            """;

        var response = await PostEventsAsync(json);

        await AssertProblemAsync(response, 400, "[2].type");
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v1/users/{user}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v1/items/{newItem}")).StatusCode);
    }

    [Theory]
    [InlineData("count=0")]
    [InlineData("count=501")]
    [InlineData("count=ten")]
    [InlineData("count=")]
    public async Task Count_outside_1_to_500_is_rejected(string query)
    {
        var recommendations = await Client.GetAsync($"/v1/users/someone/recommendations?{query}");
        var similar = await Client.GetAsync($"/v1/items/i1/similar?{query}");

        await AssertProblemAsync(recommendations, 400, "count");
        await AssertProblemAsync(similar, 400, "count");
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("offset=-1", "offset")]
    public async Task Paging_outside_its_range_is_rejected(string query, string field)
    {
        await AssertProblemAsync(await Client.GetAsync($"/v1/items?{query}"), 400, field);
    }

    [Theory]
    [InlineData("""{"categories":["x"]}""", "title")]
    [InlineData("""{"title":""}""", "title")]
    [InlineData("""{"title":42}""", "title")]
    [InlineData("""{"title":"ok","categories":"drama"}""", "categories")]
    [InlineData("""{"title":"ok","tags":["fine", 3]}""", "tags[1]")]
    [InlineData("""{"title":"\ud800"}""", "title")]
    [InlineData("""{"title":"ok","tags":["\udfff"]}""", "tags[0]")]
    [InlineData("""["title"]""", "body")]
    [InlineData("""{"title":""", "body")]
    public async Task Bad_item_bodies_are_rejected_naming_the_field(string json, string field)
    {
        var response = await Client.PutAsync("/v1/items/validation-item", new StringContent(json, Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, 400, field);
    }

    [Fact]
    public async Task Unknown_items_and_users_are_404()
    {
        await AssertProblemAsync(await Client.GetAsync("/v1/items/no-such-item"), 404);
        await AssertProblemAsync(await Client.GetAsync("/v1/items/no-such-item/similar"), 404);
        await AssertProblemAsync(await Client.GetAsync("/v1/users/no-such-user"), 404);
    }

    [Fact]
    public async Task Valid_single_events_and_numeric_ids_are_accepted()
    {
        var response = await PostEventsAsync("""{"userId":12345,"itemId":"i1","type":"RATING","value":4.5,"timestamp":1700000000,"eventId":"single-1"}""");
        var accepted = await response.Content.ReadFromJsonAsync<EventsAccepted>();
        var profile = await Client.GetFromJsonAsync<UserProfileResponse>("/v1/users/12345");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(new EventsAccepted(1, 0), accepted);
        var recorded = Assert.Single(profile!.Recent);
        Assert.Equal(("i1", "rating", 4.5, DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)), (recorded.ItemId, recorded.Type, recorded.Value!.Value, recorded.Timestamp));
    }
}
