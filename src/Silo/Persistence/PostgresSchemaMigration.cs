using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecSys.Silo.Options;

namespace RecSys.Silo.Persistence;

/// <summary>
/// Applies the schema before Orleans starts: registered ahead of the silo, and hosted services start in
/// registration order, so the ADO.NET providers find their tables and queries.
/// </summary>
internal sealed class PostgresSchemaMigration(string connectionString, ILogger<PostgresSchemaMigration> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await PostgresSchema.ApplyAsync(connectionString, logger, cancellationToken);
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            // Name the server (never the password) so the operator knows what to fix.
            var target = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            throw new RecSysStartupException(
                $"could not prepare PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}': {ex.Message}", ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
