using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using RecSys.Silo.Persistence;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

[Trait("Category", "Integration")]
public sealed class PostgresSchemaTests
{
    private static readonly string[] RequiredQueryKeys =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
        "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
    ];

    [PostgresFact]
    public async Task The_schema_applies_idempotently_even_concurrently_and_holds_every_query()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();

        await Task.WhenAll(
            PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None),
            PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None));
        await PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);

        foreach (var key in RequiredQueryKeys)
        {
            Assert.Equal(1L, await database.ScalarAsync<long>($"SELECT count(*) FROM OrleansQuery WHERE QueryKey = '{key}'"));
        }
        Assert.Equal((long)PostgresSchema.Scripts.Count, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_schema_scripts"));
    }

    [PostgresFact]
    public async Task The_session_events_migration_keeps_logged_rows_as_user_events_and_allows_one_subject_per_row()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        // The database as the previous version left it: the scripts before 003, and a logged user event.
        await using (var connection = new NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var (name, sql) in PostgresSchema.Scripts.Where(s => string.CompareOrdinal(s.Name, "003") < 0))
            {
                await using var script = new NpgsqlCommand(sql, connection);
                await script.ExecuteNonQueryAsync();
            }
            await using var insert = new NpgsqlCommand(
                "INSERT INTO recsys_events (user_id, event_id, item_id, type, occurred_at) VALUES ('old-user', 'e-1', 'i1', 'click', now())", connection);
            await insert.ExecuteNonQueryAsync();
        }

        await PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);
        await PostgresSchema.ApplyAsync(database.ConnectionString, NullLogger.Instance, CancellationToken.None);

        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE user_id = 'old-user' AND session_id IS NULL"));
        // The same id and eventId as a session: a separate subject, so a separate row.
        await ExecuteAsync(database, "INSERT INTO recsys_events (session_id, event_id, item_id, type, occurred_at) VALUES ('old-user', 'e-1', 'i1', 'view', now())");
        Assert.Equal(2L, await database.ScalarAsync<long>("SELECT count(*) FROM recsys_events WHERE event_id = 'e-1'"));
        var duplicate = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database,
            "INSERT INTO recsys_events (session_id, event_id, item_id, type, occurred_at) VALUES ('old-user', 'e-1', 'i2', 'view', now())"));
        Assert.Equal(PostgresErrorCodes.UniqueViolation, duplicate.SqlState);
        foreach (var (user, session) in new[] { ("'u'", "'s'"), ("NULL", "NULL") })
        {
            var invalid = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(database,
                $"INSERT INTO recsys_events (user_id, session_id, event_id, item_id, type, occurred_at) VALUES ({user}, {session}, 'e-2', 'i1', 'view', now())"));
            Assert.Equal(PostgresErrorCodes.CheckViolation, invalid.SqlState);
        }
    }

    private static async Task ExecuteAsync(PostgresTestDatabase database, string sql)
    {
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
