using System.Net;
using System.Net.Http.Json;
using Npgsql;
using RecSys.Api.Contracts;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>What clients see when storage fails half-way through a batch, and that a retry repairs it.</summary>
[Trait("Category", "Integration")]
public sealed class FailureTests
{
    [PostgresFact]
    public async Task A_batch_that_failed_after_the_users_were_written_is_completed_by_a_retry_counting_once()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await using var api = new RecSysApiFactory(new Dictionary<string, string?>
        {
            ["RecSys:Storage"] = "postgres",
            ["RecSys:Connection"] = database.ConnectionString,
            ["RecSys:ClusterId"] = "failures",
        });
        var client = await api.CreateReadyClientAsync();
        var item = "fragile-" + Guid.NewGuid().ToString("N")[..8];
        var batch = new[]
        {
            new { userId = "retrier-1", itemId = item, type = "purchase", eventId = "p-1" },
            new { userId = "retrier-2", itemId = item, type = "click", eventId = "c-1" },
        };

        // Item state writes fail (user and catalogue writes still work): the outage hits mid-batch.
        await ExecuteAsync(database, """
            CREATE FUNCTION recsys_test_fail_items() RETURNS trigger AS $$
            BEGIN
                IF NEW.GrainTypeString = 'item' THEN RAISE EXCEPTION 'simulated outage'; END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql;
            CREATE TRIGGER recsys_test_fail_items BEFORE INSERT OR UPDATE ON OrleansStorage
                FOR EACH ROW EXECUTE FUNCTION recsys_test_fail_items();
            """);
        var failed = await client.PostAsJsonAsync("/v1/events", batch);
        await HttpAssertions.AssertProblemAsync(failed, 503);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/v1/items/{item}")).StatusCode);

        await ExecuteAsync(database, "DROP TRIGGER recsys_test_fail_items ON OrleansStorage;");
        var retried = await client.PostAsJsonAsync("/v1/events", batch);
        var again = await client.PostAsJsonAsync("/v1/events", batch);

        Assert.Equal(new EventsAccepted(2, 2), await retried.Content.ReadFromJsonAsync<EventsAccepted>()); // users had them
        Assert.Equal(new EventsAccepted(2, 2), await again.Content.ReadFromJsonAsync<EventsAccepted>());
        var counted = await client.GetFromJsonAsync<ItemResponse>($"/v1/items/{item}");
        Assert.Equal((1, 1), (counted!.Counters.Purchases, counted.Counters.Clicks)); // created, and counted once
        Assert.Equal(1, (await client.GetFromJsonAsync<UserProfileResponse>("/v1/users/retrier-1"))!.TotalEvents);

        var metrics = await client.GetStringAsync("/metrics");
        Assert.Contains("""endpoint="/v1/events",method="POST",status="503""", metrics);
    }

    private static async Task ExecuteAsync(PostgresTestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
