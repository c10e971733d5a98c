using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace RecSys.Silo.Persistence;

/// <summary>
/// Applies our SQL (deploy/sql/*.sql, embedded in this assembly) to a PostgreSQL database. Every script is
/// idempotent and they run in name order inside one transaction holding an advisory lock, so silos starting
/// together apply them once each, one after the other. A table records which script versions were applied.
/// </summary>
public static partial class PostgresSchema
{
    private const string ResourcePrefix = "RecSys.Sql.";

    // Arbitrary constant identifying "RecSys schema migration" among advisory locks.
    private const long AdvisoryLockKey = 0x5265635379734442; // "RecSysDB"

    /// <summary>Names and texts of the embedded scripts, in the order they run.</summary>
    public static IReadOnlyList<(string Name, string Sql)> Scripts { get; } = LoadScripts();

    public static async Task ApplyAsync(string connectionString, ILogger logger, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            command.Parameters.AddWithValue("key", AdvisoryLockKey);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(
            """
            CREATE TABLE IF NOT EXISTS recsys_schema_scripts
            (
                name text PRIMARY KEY,
                sha256 text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var (name, sql) in Scripts)
        {
            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            await using (var record = new NpgsqlCommand(
                """
                INSERT INTO recsys_schema_scripts (name, sha256) VALUES (@name, @sha)
                ON CONFLICT (name) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now()
                WHERE recsys_schema_scripts.sha256 <> EXCLUDED.sha256;
                """, connection, transaction))
            {
                record.Parameters.AddWithValue("name", name);
                record.Parameters.AddWithValue("sha", Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
                await record.ExecuteNonQueryAsync(cancellationToken);
            }
            LogApplied(logger, name);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static List<(string Name, string Sql)> LoadScripts()
    {
        var assembly = typeof(PostgresSchema).Assembly;
        var scripts = new List<(string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded script {resource} is missing");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            scripts.Add((resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }
        if (scripts.Count == 0)
        {
            throw new InvalidOperationException("no SQL scripts are embedded; deploy/sql/*.sql should be compiled into RecSys.Silo");
        }
        return scripts;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied schema script {Script}")]
    private static partial void LogApplied(ILogger logger, string script);
}
