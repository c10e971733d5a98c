using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace RecSys.Silo.Persistence;

/// <summary>
/// Applies the schema before Orleans starts: registered ahead of the silo, and hosted services start in
/// registration order, so the ADO.NET providers find their tables and queries.
/// </summary>
internal sealed class PostgresSchemaMigration(string connectionString, ILogger<PostgresSchemaMigration> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => PostgresSchema.ApplyAsync(connectionString, logger, cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
