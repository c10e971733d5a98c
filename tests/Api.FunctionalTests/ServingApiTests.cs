using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>
/// The Api serving trained models (GRU4Rec, YouTube-DNN, DIN from <see cref="TrainedModels"/>): start-up activation,
/// the model admin endpoints, a hot swap under load, sessions and exclusions.
/// </summary>
public sealed class ServingApiTests : IAsyncLifetime
{
    private readonly RecSysApiFactory _factory = new(new Dictionary<string, string?>
    {
        ["RecSys:Models:Artifacts"] = ServingApi.CopyOfTrainedModels("recsys-serving-api-"),
        ["RecSys:Models:PollInterval"] = "00:00:00.200",
        // These tests are about correctness (which version answers, what is filtered), not latency: the suite runs
        // test projects side by side on two cores, where a 40 ms channel deadline can pass while a model trains
        // next door. A channel or ranker that fails still shows in "degraded" at once.
        ["RecSys:Serving:ChannelTimeout"] = "00:00:02",
        ["RecSys:Serving:RankTimeout"] = "00:00:05",
    });

    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = await _factory.CreateReadyClientAsync();
        await ServingApi.WaitUntilServingAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }


    private Task<string?> ActiveVersionAsync() => ServingApi.ActiveVersionAsync(_client);

    private async Task PostAsync(string path, object body)
    {
        var response = await _client.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task The_admin_endpoint_lists_both_versions_with_their_models_and_the_active_one()
    {
        using var doc = JsonDocument.Parse(await _client.GetStringAsync("/v1/admin/models"));
        var versions = doc.RootElement.GetProperty("versions").EnumerateArray().ToList();
        Assert.Equal(["v1", "v2"], versions.Select(v => v.GetProperty("version").GetString()).Order());
        Assert.All(versions, v => Assert.Equal(
            ["din", "gru4rec", "youtubednn"],
            v.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("name").GetString()).Order()));
        Assert.Contains(await ActiveVersionAsync(), new[] { "v1", "v2" });
    }

    [Fact]
    public async Task Activating_an_unknown_or_malformed_version_is_a_problem_naming_the_version()
    {
        var missing = await _client.PostAsync("/v1/admin/models/v9/activate", null);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Contains("v9", await missing.Content.ReadAsStringAsync());

        var malformed = await _client.PostAsync("/v1/admin/models/..evil/activate", null);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
    }

    [Fact]
    public async Task A_hot_swap_under_load_fails_no_request_and_the_next_answers_come_from_the_new_version()
    {
        var from = await ActiveVersionAsync();
        var to = from == "v1" ? "v2" : "v1";
        for (var u = 0; u < 8; u++)
        {
            await PostAsync("/v1/events", new[] { new { userId = $"swap-{u}", itemId = $"i{u + 10}", type = "click" } });
        }

        var failures = new ConcurrentBag<string>();
        var versions = new ConcurrentBag<string>();
        var requests = 0;
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var n = 0;
            while (!stop.IsCancellationRequested)
            {
                var user = $"swap-{(worker * 2 + n++) % 8}";
                var response = await _client.GetAsync($"/v1/users/{user}/recommendations?count=10");
                Interlocked.Increment(ref requests);
                var body = await response.Content.ReadAsStringAsync();
                if (!response.IsSuccessStatusCode)
                {
                    failures.Add($"{(int)response.StatusCode}: {body}");
                    continue;
                }
                using var doc = JsonDocument.Parse(body);
                versions.Add(doc.RootElement.GetProperty("modelVersion").GetString()!);
                if (doc.RootElement.GetProperty("degraded").GetArrayLength() > 0)
                {
                    failures.Add("degraded: " + body);
                }
            }
        })).ToList();

        await Task.Delay(300);
        var activation = await _client.PostAsync($"/v1/admin/models/{to}/activate", null);
        Assert.Equal(HttpStatusCode.OK, activation.StatusCode);
        Assert.Equal(to, await ActiveVersionAsync());
        // Silos swap on their next poll; wait until answers come from the new version, under load all along.
        await Eventually.TrueAsync(() => Task.FromResult(versions.Contains(to)), TimeSpan.FromSeconds(10), "answers from the new version");
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(requests > 20, $"{requests} requests");
        var answered = await _client.GetFromJsonAsync<JsonElement>("/v1/users/swap-0/recommendations");
        Assert.Equal(to, answered.GetProperty("modelVersion").GetString());
        Assert.Equal("din", answered.GetProperty("ranker").GetString());
    }

    [Fact]
    public async Task A_session_is_served_from_its_own_events_may_come_back_to_what_it_viewed_unless_repeats_are_off()
    {
        await PostAsync("/v1/sessions/anon-1/events", new object[]
        {
            new { itemId = "i5", type = "view" }, new { itemId = "i6", type = "click" }, new { itemId = "i9", type = "purchase" },
        });
        var answer = await _client.GetFromJsonAsync<JsonElement>("/v1/sessions/anon-1/recommendations?count=8");
        // Every candidate is served in a long list, whatever the ranker thinks of the viewed items.
        var everything = await _client.GetFromJsonAsync<JsonElement>("/v1/sessions/anon-1/recommendations?count=200");
        var noRepeats = await _client.GetFromJsonAsync<JsonElement>("/v1/sessions/anon-1/recommendations?count=8&repeats=false");

        Assert.Equal("anon-1", answer.GetProperty("sessionId").GetString());
        Assert.Equal(JsonValueKind.Null, answer.GetProperty("userId").ValueKind);
        var items = answer.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(8, items.Count);
        Assert.True(items.All(i => i.GetProperty("rankScore").ValueKind == JsonValueKind.Number), answer.ToString());
        // Viewed and clicked items are candidates again (the history channel recalls them; another channel that ranks
        // one higher is credited with it); a purchase never comes back.
        var all = everything.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, all.Count(i => i.GetProperty("itemId").GetString() is "i5" or "i6"));
        Assert.DoesNotContain(all.Where(i => i.GetProperty("itemId").GetString() is "i5" or "i6"), i => i.GetProperty("channel").GetString() == "trending");
        Assert.DoesNotContain(all, i => i.GetProperty("itemId").GetString() == "i9");
        var fresh = noRepeats.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(8, fresh.Count);
        Assert.DoesNotContain(fresh, i => i.GetProperty("itemId").GetString() is "i5" or "i6" or "i9");
        // The session is not a user.
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/v1/users/anon-1")).StatusCode);

        var withUser = await _client.PostAsJsonAsync("/v1/sessions/anon-1/events", new[] { new { userId = "u1", itemId = "i7", type = "view" } });
        await HttpAssertions.AssertProblemAsync(withUser, 400, "[0].userId");
        var badRepeats = await _client.GetAsync("/v1/sessions/anon-1/recommendations?repeats=maybe");
        await HttpAssertions.AssertProblemAsync(badRepeats, 400, "repeats");
    }

    [Fact]
    public async Task A_user_may_ask_for_what_it_viewed_again_but_never_gets_what_it_bought()
    {
        await PostAsync("/v1/events", new object[]
        {
            new { userId = "repeater", itemId = "i11", type = "view" }, new { userId = "repeater", itemId = "i12", type = "purchase" },
        });
        var byDefault = await _client.GetFromJsonAsync<JsonElement>("/v1/users/repeater/recommendations?count=20");
        var withRepeats = await _client.GetFromJsonAsync<JsonElement>("/v1/users/repeater/recommendations?count=20&repeats=true");

        static List<string> Ids(JsonElement answer) => [.. answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!)];
        Assert.DoesNotContain("i11", Ids(byDefault));
        Assert.DoesNotContain("i12", Ids(byDefault));
        Assert.Contains("i11", Ids(withRepeats));
        Assert.DoesNotContain("i12", Ids(withRepeats));
    }

    [Fact]
    public async Task Excluded_items_never_appear_and_a_bad_exclude_is_a_400_naming_it()
    {
        await PostAsync("/v1/events", new[] { new { userId = "excluder", itemId = "i30", type = "like" } });
        var first = await _client.GetFromJsonAsync<JsonElement>("/v1/users/excluder/recommendations?count=5");
        var top = first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToList();

        var second = await _client.GetFromJsonAsync<JsonElement>($"/v1/users/excluder/recommendations?count=5&exclude={string.Join(',', top.Take(2))}");
        var again = second.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToList();
        Assert.Equal(5, again.Count);
        Assert.DoesNotContain(top[0], again);
        Assert.DoesNotContain(top[1], again);

        var bad = await _client.GetAsync("/v1/users/excluder/recommendations?exclude=a,,b");
        await HttpAssertions.AssertProblemAsync(bad, 400, "exclude");
    }

    [Fact]
    public async Task A_ranked_request_shows_in_the_serving_metrics_with_the_active_version()
    {
        await PostAsync("/v1/events", new[] { new { userId = "metered", itemId = "i12", type = "click" } });
        var answer = await _client.GetFromJsonAsync<JsonElement>("/v1/users/metered/recommendations");
        Assert.Equal("din", answer.GetProperty("ranker").GetString());
        var version = answer.GetProperty("modelVersion").GetString();

        var metrics = await _client.GetStringAsync("/metrics");
        foreach (var series in new[]
        {
            "recsys_recall_duration_seconds_count{otel_scope_name=\"RecSys\",channel=\"gru4rec\",outcome=\"ok\"}",
            "recsys_recall_duration_seconds_count{otel_scope_name=\"RecSys\",channel=\"youtubednn\",outcome=\"ok\"}",
            "recsys_request_candidates_count",
            "recsys_rank_duration_seconds_count{otel_scope_name=\"RecSys\",ranker=\"din\"}",
            "recsys_rank_batch_rows_count",
            "recsys_rank_forward_duration_seconds_count",
            $"recsys_model_active{{otel_scope_name=\"RecSys\",version=\"{version}\"}} 1",
        })
        {
            Assert.Contains(series, metrics);
        }
    }
}
