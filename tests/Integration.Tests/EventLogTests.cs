using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecSys.Api.Contracts;
using RecSys.Api.Services;
using RecSys.Api.Validation;
using RecSys.Cli.Commands;
using RecSys.Grains.Contracts;
using RecSys.Silo.Persistence;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>
/// The PostgreSQL event log: user and session events written once per eventId, batched, acknowledged after commit,
/// replayable.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EventLogTests
{
    private static Dictionary<string, string?> PostgresSettings(PostgresTestDatabase database, string clusterId) => new()
    {
        ["RecSys:Storage"] = "postgres",
        ["RecSys:Connection"] = database.ConnectionString,
        ["RecSys:ClusterId"] = clusterId,
    };

    [PostgresFact]
    public async Task An_acknowledged_event_is_in_the_table_and_retries_write_each_event_id_once()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var api = new RecSysApiFactory(PostgresSettings(database, "event-log"));
        var client = await api.CreateReadyClientAsync();
        var batch = new object[]
        {
            new { userId = "logged", itemId = "i1", type = "rating", value = 4.5, timestamp = "2026-03-01T12:00:00Z", eventId = "e-1" },
            new { userId = "logged", itemId = "i2", type = "click", eventId = "e-2" },
            new { userId = "logged", itemId = "i3", type = "like" },                                 // no eventId
            new { userId = "logged", itemId = "i1", type = "rating", value = 4.5, eventId = "e-1" }, // repeated in the batch
            new { userId = "other", itemId = "i2", type = "click", eventId = "e-1" },                // same id, other user
        };

        var first = await client.PostAsJsonAsync("/v1/events", batch);
        // Read at once, no polling: 202 means committed.
        var rowsAfterFirst = await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'");
        var second = await client.PostAsJsonAsync("/v1/events", batch);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(new EventsAccepted(5, 1), await first.Content.ReadFromJsonAsync<EventsAccepted>());
        Assert.Equal(4L, rowsAfterFirst);
        Assert.Equal(new EventsAccepted(5, 4), await second.Content.ReadFromJsonAsync<EventsAccepted>()); // the id-less one is new again
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE user_id = 'logged' AND event_id = 'e-1'"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE user_id = 'other' AND event_id = 'e-1'"));
        Assert.Equal(5L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'"));
        Assert.Equal("rating|4.5|2026-03-01 12:00:00", await database.ScalarAsync<string>(
            "SELECT type || '|' || value || '|' || to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM recsys_events WHERE event_id = 'e-1' AND user_id = 'logged'"));

        // The id-less event got a server id, and the user grain holds the same id (so replay will skip it).
        var serverIds = await ReadColumnAsync(database, "SELECT event_id FROM recsys_events WHERE user_id = 'logged' AND item_id = 'i3' ORDER BY seq");
        Assert.Equal(2, serverIds.Count);
        Assert.All(serverIds, id => Assert.True(Guid.TryParse(id, out _), id));
        var profile = await client.GetFromJsonAsync<UserProfileResponse>("/v1/users/logged");
        Assert.Equal(serverIds, profile!.Recent.Where(e => e.ItemId == "i3").Select(e => e.EventId));

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("recsys_ingest_batch_size_bucket", metrics);
        Assert.Contains("recsys_ingest_commit_duration_seconds_bucket", metrics);
        Assert.Contains("recsys_ingest_lag_seconds_bucket", metrics);
        // The dashboard's event-log panels read series a PostgreSQL-mode Api exports (DashboardTests checks the rest
        // against a memory-mode one).
        var dashboard = GrafanaDashboard.Load();
        static bool OfTheEventLog(string series) => series.StartsWith(GrafanaDashboard.EventLogSeriesPrefix, StringComparison.Ordinal);
        Assert.Contains(dashboard.Series, OfTheEventLog);
        Assert.Empty(dashboard.MissingFrom(metrics, OfTheEventLog));
    }

    [PostgresFact]
    public async Task The_loaded_dataset_joins_the_event_log_once_as_its_users_history()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var dataset = Models.Data.DatasetSpec.Parse(RecSysApiFactory.TestData).Load();
        var user = dataset.Users[0];

        await using (var first = new RecSysApiFactory(PostgresSettings(database, "dataset-log")))
        {
            var client = await first.CreateReadyClientAsync();
            var profile = await client.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");
            var logged = await ReadColumnAsync(database, $"SELECT event_id FROM recsys_events WHERE user_id = '{user}' ORDER BY occurred_at, event_id");

            Assert.Equal((long)dataset.Interactions.Length, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id LIKE 'dataset-%'"));
            Assert.Equal(logged.Order(), profile!.Recent.Select(e => e.EventId!).Order());
        }

        // A second start on the same database finds the dataset seeded and writes nothing again.
        await using var second = new RecSysApiFactory(PostgresSettings(database, "dataset-log-2"));
        await second.CreateReadyClientAsync();
        Assert.Equal((long)dataset.Interactions.Length, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events"));
    }

    [PostgresFact]
    public async Task Session_events_are_in_the_table_once_per_session_and_event_id_despite_a_retry()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var api = new RecSysApiFactory(PostgresSettings(database, "session-log"));
        var client = await api.CreateReadyClientAsync();
        var batch = new object[]
        {
            new { itemId = "i4", type = "view", timestamp = "2026-03-02T09:00:00Z", eventId = "s-1" },
            new { itemId = "i5", type = "rating", value = 3.5, eventId = "s-2" },
            new { itemId = "i6", type = "click" },                  // no eventId
            new { itemId = "i4", type = "view", eventId = "s-1" },  // repeated in the batch
        };
        // A user with the same id and eventId: users and sessions are separate id spaces, so both rows are kept.
        var userEvent = new { userId = "anon-7", itemId = "i4", type = "view", eventId = "s-1" };

        var first = await client.PostAsJsonAsync("/v1/sessions/anon-7/events", batch);
        // Read at once, no polling: 202 means committed.
        var rowsAfterFirst = await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE session_id = 'anon-7'");
        var retry = await client.PostAsJsonAsync("/v1/sessions/anon-7/events", batch);
        var user = await client.PostAsJsonAsync("/v1/events", new[] { userEvent });

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(new EventsAccepted(4, 1), await first.Content.ReadFromJsonAsync<EventsAccepted>());
        Assert.Equal(3L, rowsAfterFirst);
        Assert.Equal(new EventsAccepted(4, 3), await retry.Content.ReadFromJsonAsync<EventsAccepted>()); // the id-less one is new again
        Assert.Equal(new EventsAccepted(1, 0), await user.Content.ReadFromJsonAsync<EventsAccepted>());
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE session_id = 'anon-7' AND event_id = 's-1'"));
        Assert.Equal(4L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE session_id = 'anon-7' AND user_id IS NULL"));
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE user_id = 'anon-7' AND session_id IS NULL"));
        Assert.Equal(5L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'"));
        Assert.Equal("rating|3.5", await database.ScalarAsync<string>(
            "SELECT type || '|' || value FROM recsys_events WHERE session_id = 'anon-7' AND event_id = 's-2'"));

        // The id-less event got a server id, and the session grain holds the same id (so replay will skip it).
        var serverIds = await ReadColumnAsync(database, "SELECT event_id FROM recsys_events WHERE session_id = 'anon-7' AND item_id = 'i6' ORDER BY seq");
        Assert.Equal(2, serverIds.Count);
        Assert.All(serverIds, id => Assert.True(Guid.TryParse(id, out _), id));
        var session = await client.GetFromJsonAsync<SessionProfileResponse>("/v1/sessions/anon-7");
        Assert.Equal(serverIds, session!.Recent.Where(e => e.ItemId == "i6").Select(e => e.EventId));
        Assert.Equal(4, session.TotalEvents);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("recsys_ingest_lag_seconds_count{otel_scope_name=\"RecSys\",subject=\"session\"}", metrics);
        Assert.Contains("recsys_ingest_lag_seconds_count{otel_scope_name=\"RecSys\",subject=\"user\"}", metrics);
        Assert.Contains("recsys_events_ingested_total{otel_scope_name=\"RecSys\",subject=\"session\",type=\"view\"}", metrics);
    }

    [PostgresFact]
    public async Task Concurrent_appends_are_gathered_into_fewer_transactions_and_all_committed()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        await using var log = new PostgresEventLog(database.ConnectionString, NullLogger<PostgresEventLog>.Instance);
        const int appends = 200;

        await Task.WhenAll(Enumerable.Range(0, appends).Select(n => log.AppendAsync([Event($"user-{n % 7}", $"e-{n}")])));

        Assert.Equal((long)appends, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'"));
        // Rows inserted by one transaction share its xmin.
        var transactions = await database.ScalarAsync<long>("SELECT count(DISTINCT xmin::text) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'");
        Assert.InRange(transactions, 1, appends / 4);
    }

    [PostgresFact]
    public async Task A_failed_commit_faults_every_caller_of_the_batch_and_the_log_recovers()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        await using var log = new PostgresEventLog(database.ConnectionString, NullLogger<PostgresEventLog>.Instance);
        await ExecuteAsync(database, """
            CREATE FUNCTION recsys_test_fail_events() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'simulated outage'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER recsys_test_fail_events BEFORE INSERT ON recsys_events
                FOR EACH ROW EXECUTE FUNCTION recsys_test_fail_events();
            """);

        var appends = Enumerable.Range(0, 20).Select(n => log.AppendAsync([Event("u", $"f-{n}")])).ToList();
        foreach (var append in appends)
        {
            var failure = await Assert.ThrowsAsync<EventLogUnavailableException>(() => append);
            Assert.Contains("simulated outage", failure.Message);
        }

        await ExecuteAsync(database, "DROP TRIGGER recsys_test_fail_events ON recsys_events;");
        await log.AppendAsync([Event("u", "f-0")]);
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id NOT LIKE 'dataset-%'"));
    }

    [PostgresFact]
    public async Task Replay_rebuilds_a_wiped_users_history_and_a_second_replay_counts_nothing()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = PostgresSettings(database, "replay");
        var start = DateTimeOffset.Parse("2026-02-01T08:00:00Z", CultureInfo.InvariantCulture);
        var events = Enumerable.Range(0, 12).Select(n => new
        {
            userId = n % 3 == 0 ? "bystander" : "wiped",
            itemId = "i" + (20 + n),
            type = n % 4 == 1 ? "like" : "click",
            timestamp = start.AddMinutes(n).ToString("O", CultureInfo.InvariantCulture),
            eventId = n == 5 ? null : "ev-" + n, // one event without a client id
        }).ToArray();
        UserProfileResponse before;
        await using (var first = new RecSysApiFactory(settings))
        {
            var client = await first.CreateReadyClientAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/events", events[..6])).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/events", events[6..])).StatusCode);
            before = (await client.GetFromJsonAsync<UserProfileResponse>("/v1/users/wiped"))!;
        }

        // The user's state is lost (the process is down, so no activation holds a copy); the log is not.
        await ExecuteAsync(database, "DELETE FROM OrleansStorage WHERE GrainTypeString = 'user' AND GrainIdExtensionString = 'wiped'");
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'user'"));

        await using var second = new RecSysApiFactory(settings);
        var restarted = await second.CreateReadyClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await restarted.GetAsync("/v1/users/wiped")).StatusCode);
        // The loaded dataset's interactions came first (its users' history); the posted events follow them.
        var since = await DatasetRowsAsync(database);

        var one = await ReplayAsync(restarted, database, ReplayFilter.User("wiped"), batch: 3, since);
        var all = await ReplayAsync(restarted, database, ReplayFilter.Everything, batch: 5, since);

        Assert.Equal(new ReplayResult(Read: 8, FirstSeq: since + 2, LastSeq: since + 12, Applied: 8, Duplicates: 0), one); // seq 1..12 in post order
        Assert.Equal((12L, 12L, 0L), (all.Read, all.Duplicates, all.Applied)); // everything already in user state
        var after = await restarted.GetFromJsonAsync<UserProfileResponse>("/v1/users/wiped");
        Assert.Equal((8L, 8L), (before.TotalEvents, after!.TotalEvents));
        Assert.Equal(before.Recent.Select(e => (e.ItemId, e.Type, e.Timestamp, e.EventId)), after.Recent.Select(e => (e.ItemId, e.Type, e.Timestamp, e.EventId)));
        Assert.Equal(before.SeenItems, after.SeenItems);
        var bystander = await restarted.GetFromJsonAsync<UserProfileResponse>("/v1/users/bystander");
        Assert.Equal(4, bystander!.TotalEvents); // never lost, and the replay did not count it again
    }

    [PostgresFact]
    public async Task Replay_rebuilds_a_wiped_sessions_history_and_a_second_replay_counts_nothing()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = PostgresSettings(database, "session-replay");
        var start = DateTimeOffset.Parse("2026-02-03T08:00:00Z", CultureInfo.InvariantCulture);
        object SessionEvent(int n) => new
        {
            itemId = "i" + (40 + n),
            type = n % 3 == 1 ? "click" : "view",
            timestamp = start.AddMinutes(n).ToString("O", CultureInfo.InvariantCulture),
            eventId = n == 4 ? null : "sv-" + n, // one event without a client id
        };
        SessionProfileResponse before;
        await using (var first = new RecSysApiFactory(settings))
        {
            var client = await first.CreateReadyClientAsync();
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/sessions/lost/events", Enumerable.Range(0, 4).Select(SessionEvent))).StatusCode);
            // A user and another session with the same id as the wiped one write in between.
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/events", new[] { new { userId = "lost", itemId = "i1", type = "like", eventId = "sv-0" } })).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/sessions/kept/events", new[] { new { itemId = "i2", type = "view", eventId = "sv-0" } })).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await client.PostAsJsonAsync("/v1/sessions/lost/events", Enumerable.Range(4, 3).Select(SessionEvent))).StatusCode);
            before = (await client.GetFromJsonAsync<SessionProfileResponse>("/v1/sessions/lost"))!;
        }
        Assert.Equal(7, before.TotalEvents);

        // The session's state is lost (the process is down, so no activation holds a copy); the log is not.
        Assert.Equal(1, await ExecuteAsync(database, "DELETE FROM OrleansStorage WHERE GrainTypeString = 'session' AND GrainIdExtensionString = 'lost'"));

        await using var second = new RecSysApiFactory(settings);
        var restarted = await second.CreateReadyClientAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await restarted.GetAsync("/v1/sessions/lost")).StatusCode);
        var since = await DatasetRowsAsync(database);

        var users = await ReplayAsync(restarted, database, ReplayFilter.Users, batch: 4, since);
        Assert.Equal((1L, 1L, 0L), (users.Read, users.Duplicates, users.Applied)); // the user was never lost
        Assert.Equal(HttpStatusCode.NotFound, (await restarted.GetAsync("/v1/sessions/lost")).StatusCode); // users only

        var one = await ReplayAsync(restarted, database, ReplayFilter.Session("lost"), batch: 3, since);
        var all = await ReplayAsync(restarted, database, ReplayFilter.Everything, batch: 5, since);

        Assert.Equal(new ReplayResult(Read: 7, FirstSeq: since + 1, LastSeq: since + 9, Applied: 7, Duplicates: 0), one); // seq 1..9 in post order
        Assert.Equal((9L, 9L, 0L), (all.Read, all.Duplicates, all.Applied)); // everything already in user and session state
        var after = await restarted.GetFromJsonAsync<SessionProfileResponse>("/v1/sessions/lost");
        Assert.Equal(before.TotalEvents, after!.TotalEvents);
        Assert.Equal(before.Recent.Select(e => (e.ItemId, e.Type, e.Timestamp, e.EventId)), after.Recent.Select(e => (e.ItemId, e.Type, e.Timestamp, e.EventId)));
        Assert.Equal(before.SeenItems, after.SeenItems);
        Assert.Equal(1, (await restarted.GetFromJsonAsync<SessionProfileResponse>("/v1/sessions/kept"))!.TotalEvents);
        Assert.Equal(1, (await restarted.GetFromJsonAsync<UserProfileResponse>("/v1/users/lost"))!.TotalEvents);
    }

    private static async Task<ReplayResult> ReplayAsync(HttpClient api, PostgresTestDatabase database, ReplayFilter filter, int batch, long since = 0) =>
        await ReplayCommand.RunAsync(new ReplayRequest(database.ConnectionString, filter, since, batch), api, TextWriter.Null);

    /// <summary>The last seq of the loaded dataset's rows, written to the log at the first start before anything was posted.</summary>
    private static async Task<long> DatasetRowsAsync(PostgresTestDatabase database) =>
        await database.ScalarAsync<long>("SELECT coalesce(max(seq), 0) FROM recsys_events WHERE event_id LIKE 'dataset-%'");

    private static IngestEvent Event(string user, string eventId) =>
        new(SubjectKind.User, user, new UserEvent("i1", EventType.Click, null, DateTimeOffset.UtcNow, eventId));

    private static async Task<List<string>> ReadColumnAsync(PostgresTestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetString(0));
        }
        return values;
    }

    private static async Task<int> ExecuteAsync(PostgresTestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync();
    }
}
