using System.Net;
using System.Net.Http.Json;
using RecSys.Api.Contracts;
using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>POST /v1/admin/replay: logged events re-applied to user and session state (memory mode: no event log involved).</summary>
public sealed class ReplayTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private HttpClient Client => api.Client;

    [Fact]
    public async Task Replayed_events_build_the_users_history_in_order_and_a_second_replay_counts_nothing()
    {
        var user = "replayed-" + Guid.NewGuid().ToString("N")[..8];
        var events = new[]
        {
            new { userId = user, itemId = "i11", type = "click", value = (double?)null, timestamp = "2026-01-02T10:00:00Z", eventId = "r-1" },
            new { userId = user, itemId = "i12", type = "rating", value = (double?)4.5, timestamp = "2026-01-02T10:01:00Z", eventId = "r-2" },
            new { userId = user, itemId = "i13", type = "like", value = (double?)null, timestamp = "2026-01-02T10:02:00Z", eventId = "0190a1b2-server-id" },
        };
        var itemBefore = await Client.GetFromJsonAsync<ItemResponse>("/v1/items/i11");

        var first = await Client.PostAsJsonAsync("/v1/admin/replay", events);
        var second = await Client.PostAsJsonAsync("/v1/admin/replay", events);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(new EventsAccepted(3, 0), await first.Content.ReadFromJsonAsync<EventsAccepted>());
        Assert.Equal(new EventsAccepted(3, 3), await second.Content.ReadFromJsonAsync<EventsAccepted>());
        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");
        Assert.Equal(3, profile!.TotalEvents);
        Assert.Equal(["i11", "i12", "i13"], profile.Recent.Select(e => e.ItemId));
        Assert.Equal(["r-1", "r-2", "0190a1b2-server-id"], profile.Recent.Select(e => e.EventId));
        Assert.Equal(4.5, profile.Recent[1].Value);
        Assert.Equal(DateTimeOffset.Parse("2026-01-02T10:01:00Z", System.Globalization.CultureInfo.InvariantCulture), profile.Recent[1].Timestamp);

        // Replay rebuilds users only: item counters were never lost and must not count the events again.
        var itemAfter = await Client.GetFromJsonAsync<ItemResponse>("/v1/items/i11");
        Assert.Equal(itemBefore!.Counters.Clicks, itemAfter!.Counters.Clicks);
    }

    [Fact]
    public async Task Replayed_session_events_build_the_sessions_history_apart_from_a_user_with_the_same_id()
    {
        var id = "replayed-session-" + Guid.NewGuid().ToString("N")[..8];
        var events = new object[]
        {
            new { sessionId = id, itemId = "i21", type = "view", timestamp = "2026-01-03T10:00:00Z", eventId = "s-1" },
            new { userId = id, itemId = "i22", type = "click", timestamp = "2026-01-03T10:01:00Z", eventId = "s-1" },
            new { sessionId = id, itemId = "i23", type = "like", timestamp = "2026-01-03T10:02:00Z", eventId = "s-2" },
        };

        var first = await Client.PostAsJsonAsync("/v1/admin/replay", events);
        var second = await Client.PostAsJsonAsync("/v1/admin/replay", events);

        Assert.Equal(new EventsAccepted(3, 0), await first.Content.ReadFromJsonAsync<EventsAccepted>());
        Assert.Equal(new EventsAccepted(3, 3), await second.Content.ReadFromJsonAsync<EventsAccepted>());
        var session = await Client.GetFromJsonAsync<SessionProfileResponse>($"/v1/sessions/{id}");
        Assert.Equal(id, session!.SessionId);
        Assert.Equal(2, session.TotalEvents);
        Assert.Equal(["i21", "i23"], session.Recent.Select(e => e.ItemId));
        Assert.Equal(["s-1", "s-2"], session.Recent.Select(e => e.EventId));
        var user = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{id}");
        Assert.Equal(["i22"], user!.Recent.Select(e => e.ItemId));
    }

    [Fact]
    public async Task A_replayed_event_names_exactly_one_subject()
    {
        var both = await Client.PostAsJsonAsync("/v1/admin/replay", new[]
        {
            new { userId = (string?)"replay-one", sessionId = (string?)null, itemId = "i1", type = "click", eventId = "o-1" },
            new { userId = (string?)"replay-both", sessionId = (string?)"replay-both", itemId = "i1", type = "click", eventId = "o-2" },
        });
        var neither = await Client.PostAsJsonAsync("/v1/admin/replay", new[] { new { itemId = "i1", type = "click", eventId = "o-3" } });
        var badSession = await Client.PostAsJsonAsync("/v1/admin/replay", new[] { new { sessionId = "a/b", itemId = "i1", type = "click", eventId = "o-4" } });

        await HttpAssertions.AssertProblemAsync(both, 400, "[1].userId");
        await HttpAssertions.AssertProblemAsync(neither, 400, "[0].userId");
        await HttpAssertions.AssertProblemAsync(badSession, 400, "[0].sessionId");
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/v1/users/replay-one")).StatusCode); // nothing applied
    }

    [Fact]
    public async Task A_replayed_event_without_an_event_id_is_rejected_naming_the_field()
    {
        var response = await Client.PostAsJsonAsync("/v1/admin/replay", new[]
        {
            new { userId = "replay-bad", itemId = "i1", type = "click", eventId = (string?)"ok-1" },
            new { userId = "replay-bad", itemId = "i2", type = "click", eventId = (string?)null },
        });

        await HttpAssertions.AssertProblemAsync(response, 400, "[1].eventId");
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync("/v1/users/replay-bad")).StatusCode); // nothing applied
    }

    [Fact]
    public async Task Ingest_in_memory_mode_gives_no_server_ids()
    {
        // Memory mode keeps no event log, so an id-less event stays id-less (no server id crowding the user's memory).
        var user = "no-log-" + Guid.NewGuid().ToString("N")[..8];
        await Client.PostAsJsonAsync("/v1/events", new[] { new { userId = user, itemId = "i1", type = "click" } });

        var profile = await Client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");
        Assert.Null(Assert.Single(profile!.Recent).EventId);
    }

    [Fact]
    public async Task Session_ingest_in_memory_mode_gives_no_server_ids_and_an_unknown_session_is_404()
    {
        var session = "no-log-session-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/v1/sessions/{session}")).StatusCode);
        await Client.PostAsJsonAsync($"/v1/sessions/{session}/events", new[] { new { itemId = "i1", type = "click" } });

        var profile = await Client.GetFromJsonAsync<SessionProfileResponse>($"/v1/sessions/{session}");
        Assert.Null(Assert.Single(profile!.Recent).EventId);
    }
}
