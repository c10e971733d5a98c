using Npgsql;

namespace RecSys.TestSupport;

/// <summary>
/// A fresh database on the server named by RECSYS_TEST_POSTGRES (test.sh starts one), dropped on dispose,
/// so every integration test starts from an empty schema.
/// </summary>
public sealed class PostgresTestDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = "RECSYS_TEST_POSTGRES";

    private readonly string _adminConnection;

    private PostgresTestDatabase(string adminConnection, string name, string connectionString)
    {
        _adminConnection = adminConnection;
        Name = name;
        ConnectionString = connectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public static string? ServerConnectionString => Environment.GetEnvironmentVariable(EnvironmentVariable);

    public static async Task<PostgresTestDatabase> CreateAsync()
    {
        var server = ServerConnectionString
            ?? throw new InvalidOperationException($"{EnvironmentVariable} is not set; run the suite through ./test.sh");
        var name = "recsys_it_" + Guid.NewGuid().ToString("N")[..12];
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new PostgresTestDatabase(server, name, builder.ConnectionString);
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_adminConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
