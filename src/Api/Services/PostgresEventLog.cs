using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;
using NpgsqlTypes;
using RecSys.Api.Diagnostics;
using RecSys.Api.Validation;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Services;

/// <summary>
/// Appends user and session events to <c>recsys_events</c> (deploy/sql/002-events.sql, 003-session-events.sql) with
/// group commit: concurrent
/// <see cref="AppendAsync"/> calls queue on a channel, and one background writer takes everything queued (up to
/// <see cref="MaxBatchEvents"/>) into a single INSERT, so while one batch commits the next one gathers. Each
/// caller's task completes only after the commit that holds its events; if that commit fails, every caller in the
/// batch sees the failure.
/// </summary>
internal sealed partial class PostgresEventLog : IEventLog, IAsyncDisposable
{
    /// <summary>Events per transaction at most (a single request of up to 10,000 is never split).</summary>
    public const int MaxBatchEvents = 20_000;

    // Pending requests, not events. When full, callers wait: back-pressure on the HTTP requests instead of an
    // unbounded queue in memory while PostgreSQL is slow.
    private const int QueueCapacity = 4096;

    // One statement, seven array parameters, any number of rows: a multi-row VALUES list would hit PostgreSQL's
    // 65,535-parameter limit at ~9,000 events, and COPY needs a temporary table to get ON CONFLICT. A single
    // statement commits on its own, so it returns only after the commit. WITH ORDINALITY keeps seq in arrival order.
    // A row has either a user_id or a session_id (the other null). ON CONFLICT names no target because one batch
    // mixes both kinds: user rows are unique per (user_id, event_id), session rows per (session_id, event_id), two
    // unique indexes, and DO NOTHING without a target skips a row that conflicts in either.
    private const string InsertSql =
        """
        INSERT INTO recsys_events (user_id, session_id, event_id, item_id, type, value, occurred_at)
        SELECT u.user_id, u.session_id, u.event_id, u.item_id, u.type, u.value, u.occurred_at
        FROM unnest(@user_ids, @session_ids, @event_ids, @item_ids, @types, @values, @occurred_at)
             WITH ORDINALITY AS u(user_id, session_id, event_id, item_id, type, value, occurred_at, ord)
        ORDER BY u.ord
        ON CONFLICT DO NOTHING
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<PostgresEventLog> _logger;
    private readonly Channel<PendingAppend> _queue = Channel.CreateBounded<PendingAppend>(
        new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _writer;

    public PostgresEventLog(string connectionString, ILogger<PostgresEventLog> logger)
    {
        _dataSource = NpgsqlDataSource.Create(connectionString);
        _logger = logger;
        // Report the failure counter at 0 from the start: Prometheus' rate() misses the first increase of a series
        // that only appears with it, so the first failed commit would go unseen on the dashboard and by alerts.
        ApiMetrics.IngestFailedBatches.Add(0);
        _writer = Task.Run(WriteLoopAsync);
    }

    public bool IsDurable => true;

    public async Task AppendAsync(IReadOnlyList<IngestEvent> events)
    {
        if (events.Count == 0)
        {
            return;
        }
        var pending = new PendingAppend(events, Stopwatch.GetTimestamp());
        try
        {
            await _queue.Writer.WriteAsync(pending);
        }
        catch (ChannelClosedException ex)
        {
            throw new EventLogUnavailableException("the event log is shutting down", ex);
        }
        await pending.Committed.Task;
        ApiMetrics.IngestLag.Record(Stopwatch.GetElapsedTime(pending.QueuedAt).TotalSeconds, new KeyValuePair<string, object?>("subject", SubjectOf(events)));
    }

    public async ValueTask DisposeAsync()
    {
        // Let the writer finish what is queued: those callers are waiting for their commit.
        _queue.Writer.TryComplete();
        await _writer;
        await _dataSource.DisposeAsync();
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<PendingAppend>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            batch.Clear();
            var events = 0;
            while (_queue.Reader.TryPeek(out var next) && (batch.Count == 0 || events + next.Events.Count <= MaxBatchEvents))
            {
                _queue.Reader.TryRead(out _);
                batch.Add(next);
                events += next.Events.Count;
            }

            try
            {
                var start = Stopwatch.GetTimestamp();
                await WriteAsync(batch, events);
                ApiMetrics.IngestCommitDuration.Record(Stopwatch.GetElapsedTime(start).TotalSeconds);
                ApiMetrics.IngestBatchSize.Record(events);
                foreach (var pending in batch)
                {
                    pending.Committed.TrySetResult();
                }
            }
            catch (Exception ex)
            {
                // The loop must outlive a failed batch: the next one may well succeed (PostgreSQL back, row fixed).
                ApiMetrics.IngestFailedBatches.Add(1);
                LogBatchFailed(_logger, ex, batch.Count, events);
                var failure = new EventLogUnavailableException($"the event log could not commit a batch of {events} events: {ex.Message}", ex);
                foreach (var pending in batch)
                {
                    pending.Committed.TrySetException(failure);
                }
            }
        }
    }

    // One append is one request's events, so one subject kind; "mixed" keeps the label honest if that ever changes.
    private static string SubjectOf(IReadOnlyList<IngestEvent> events)
    {
        var kind = events[0].Kind;
        return events.All(e => e.Kind == kind) ? ApiMetrics.SubjectLabel(kind) : "mixed";
    }

    private async Task WriteAsync(List<PendingAppend> batch, int count)
    {
        var userIds = new string?[count];
        var sessionIds = new string?[count];
        var eventIds = new string[count];
        var itemIds = new string[count];
        var types = new string[count];
        var values = new double?[count];
        var occurredAt = new DateTime[count];
        var i = 0;
        foreach (var pending in batch)
        {
            foreach (var e in pending.Events)
            {
                if (e.Kind == SubjectKind.Session)
                {
                    sessionIds[i] = e.SubjectId;
                }
                else
                {
                    userIds[i] = e.SubjectId;
                }
                eventIds[i] = e.Event.EventId ?? throw new InvalidOperationException("events reach the log with an eventId; the ingestor assigns missing ones");
                itemIds[i] = e.Event.ItemId;
                types[i] = e.Event.Type.ToString().ToLowerInvariant();
                values[i] = e.Event.Value;
                occurredAt[i] = e.Event.Timestamp.UtcDateTime;
                i++;
            }
        }

        await using var command = _dataSource.CreateCommand(InsertSql);
        command.Parameters.Add(new NpgsqlParameter("user_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = userIds });
        command.Parameters.Add(new NpgsqlParameter("session_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = sessionIds });
        command.Parameters.Add(new NpgsqlParameter("event_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = eventIds });
        command.Parameters.Add(new NpgsqlParameter("item_ids", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = itemIds });
        command.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = types });
        command.Parameters.Add(new NpgsqlParameter("values", NpgsqlDbType.Array | NpgsqlDbType.Double) { Value = values });
        command.Parameters.Add(new NpgsqlParameter("occurred_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz) { Value = occurredAt });
        await command.ExecuteNonQueryAsync();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event log batch of {Requests} requests ({Events} events) failed to commit")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int requests, int events);

    private sealed class PendingAppend(IReadOnlyList<IngestEvent> events, long queuedAt)
    {
        public IReadOnlyList<IngestEvent> Events { get; } = events;

        public long QueuedAt { get; } = queuedAt;

        // Continuations run off the writer loop, so a slow caller never delays the next batch.
        public TaskCompletionSource Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
