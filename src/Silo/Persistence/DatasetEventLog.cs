using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using RecSys.Grains.Serving;
using RecSys.Models.Data;

namespace RecSys.Silo.Persistence;

/// <summary>
/// Writes a loaded dataset's interactions to the event log (<c>recsys_events</c>) once, as its users' events with
/// stable ids (<see cref="DatasetHistories.ToEvent"/>), so the log is the whole history the service knows — replay and
/// retraining read it — and a user grain seeded from the dataset recognises each row. Idempotent
/// (<c>ON CONFLICT DO NOTHING</c>): a start that is interrupted writes the rest next time. PostgreSQL mode only.
/// </summary>
internal sealed partial class DatasetEventLog(string connectionString, ILogger<DatasetEventLog> logger)
{
    private const int BatchRows = 50_000;

    private const string Insert = """
        INSERT INTO recsys_events (user_id, event_id, item_id, type, value, occurred_at)
        SELECT u.user_id, u.event_id, u.item_id, u.type, u.value, u.occurred_at
        FROM unnest(@user_ids, @event_ids, @item_ids, @types, @values, @occurred_at)
             WITH ORDINALITY AS u(user_id, event_id, item_id, type, value, occurred_at, ord)
        ORDER BY u.ord
        ON CONFLICT DO NOTHING
        """;

    public async Task WriteAsync(InteractionDataset dataset, CancellationToken cancellationToken)
    {
        var explicitRatings = dataset.Interactions.Any(i => i.Rating != 1f);
        await using var source = NpgsqlDataSource.Create(connectionString);
        var batch = new List<(string User, Grains.Contracts.UserEvent Event)>(BatchRows);
        long written = 0;
        var byUser = dataset.InteractionsByUser();
        for (var user = 0; user < byUser.Length; user++)
        {
            for (var n = 0; n < byUser[user].Length; n++)
            {
                batch.Add((dataset.Users[user], DatasetHistories.ToEvent(dataset, byUser[user][n], n, explicitRatings)));
                if (batch.Count == BatchRows)
                {
                    written += await InsertAsync(source, batch, cancellationToken);
                    batch.Clear();
                }
            }
        }
        written += await InsertAsync(source, batch, cancellationToken);
        LogWritten(logger, dataset.Name, written, dataset.Interactions.Length - written);
    }

    private static async Task<int> InsertAsync(NpgsqlDataSource source, List<(string User, Grains.Contracts.UserEvent Event)> batch, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }
        await using var command = source.CreateCommand(Insert);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.User).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Event.EventId!).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("item_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Event.ItemId).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = batch.Select(b => b.Event.Type.ToString().ToLowerInvariant()).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = batch.Select(b => b.Event.Value).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("occurred_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = batch.Select(b => b.Event.Timestamp.UtcDateTime).ToArray() });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Wrote {Dataset} to the event log: {Written} events ({Present} were there already)")]
    private static partial void LogWritten(ILogger logger, string dataset, long written, long present);
}
