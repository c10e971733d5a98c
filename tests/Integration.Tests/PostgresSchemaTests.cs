using Microsoft.Extensions.Logging.Abstractions;
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
}
