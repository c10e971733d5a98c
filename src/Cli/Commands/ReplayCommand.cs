using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Npgsql;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys replay --url http://127.0.0.1:5080 --connection "Host=...;Database=recsys;Username=..."
/// [--user id | --session id | --only users|sessions] [--since seq] [--batch 1000]</c>: reads the event log
/// (<c>recsys_events</c>) in seq order and posts it, a page at a time, to the API's <c>POST /v1/admin/replay</c>,
/// which re-applies the events to user and session state without logging them again. Every row carries its eventId,
/// so users and sessions skip what they still remember and a replay can be repeated or resumed (<c>--since</c> the
/// last seq printed). Without a filter it replays every user and every session.
/// </summary>
/// <remarks>
/// Through the API rather than as an Orleans client: the CLI stays free of Orleans and its cluster settings, and
/// replay goes through the same validation and grain calls as live events.
/// </remarks>
internal static class ReplayCommand
{
    public const int MaxBatch = 10_000;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(args, ["--url", "--connection", "--user", "--session", "--only", "--since", "--batch"]);
        var url = CommonOptions.ApiUrl(arguments);
        var connection = Connection(arguments.Require("--connection"));
        var filter = Filter(arguments);
        var sinceText = arguments.Optional("--since") ?? "0";
        if (!long.TryParse(sinceText, NumberStyles.None, CultureInfo.InvariantCulture, out var since))
        {
            throw new UsageException($"--since must be a non-negative integer (an event-log seq); got '{sinceText}'");
        }
        var batch = arguments.Int("--batch", 1000, 1, MaxBatch);

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(5) };
        var result = RunAsync(new ReplayRequest(connection, filter, since, batch), http, error).GetAwaiter().GetResult();
        output.WriteLine(result.Read == 0
            ? $"replay: no events after seq {since}{filter.Description}"
            : $"replay: {result.Read:N0} events{filter.Description} (seq {result.FirstSeq} to {result.LastSeq}): {result.Applied:N0} applied, " +
              $"{result.Duplicates:N0} already in user or session state; to continue later: --since {result.LastSeq}");
        return CliApp.Success;
    }

    /// <summary>Replays the requested rows through <paramref name="http"/> (the API); the seam tests use.</summary>
    internal static async Task<ReplayResult> RunAsync(ReplayRequest request, HttpClient http, TextWriter progress)
    {
        await using var connection = await OpenAsync(request.ConnectionString);
        var result = new ReplayResult(0, 0, 0, 0, 0);
        var after = request.Since;
        while (true)
        {
            var page = await ReadPageAsync(connection, request.Filter, after, request.Batch);
            if (page.Count == 0)
            {
                return result;
            }
            var answer = await PostAsync(http, page, after, result.Read == 0);
            var last = page[^1].Seq;
            result = new ReplayResult(
                result.Read + page.Count,
                result.Read == 0 ? page[0].Seq : result.FirstSeq,
                last,
                result.Applied + answer.Accepted - answer.Duplicates,
                result.Duplicates + answer.Duplicates);
            after = last;
            if (result.Read / request.Batch % 100 == 0)
            {
                progress.WriteLine($"replay: {result.Read:N0} events, up to seq {last}");
            }
        }
    }

    private static ReplayFilter Filter(Arguments arguments)
    {
        var user = arguments.Optional("--user");
        var session = arguments.Optional("--session");
        var only = arguments.Optional("--only");
        if ((user is null ? 0 : 1) + (session is null ? 0 : 1) + (only is null ? 0 : 1) > 1)
        {
            throw new UsageException("--user, --session and --only each choose what to replay: give at most one");
        }
        if (user is not null)
        {
            return string.IsNullOrWhiteSpace(user) ? throw new UsageException("--user must not be empty") : ReplayFilter.User(user);
        }
        if (session is not null)
        {
            return string.IsNullOrWhiteSpace(session) ? throw new UsageException("--session must not be empty") : ReplayFilter.Session(session);
        }
        return only switch
        {
            null => ReplayFilter.Everything,
            "users" => ReplayFilter.Users,
            "sessions" => ReplayFilter.Sessions,
            _ => throw new UsageException($"--only must be users or sessions; got '{only}'"),
        };
    }

    private static string Connection(string text)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(text);
            return string.IsNullOrWhiteSpace(builder.Host)
                ? throw new UsageException("--connection names no Host; expected \"Host=...;Database=...;Username=...\"")
                : text;
        }
        catch (ArgumentException ex)
        {
            throw new UsageException($"--connection is not a valid Npgsql connection string: {ex.Message}");
        }
    }

    private static async Task<NpgsqlConnection> OpenAsync(string connectionString)
    {
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync();
            return connection;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await connection.DisposeAsync();
            // Name the server, never the password.
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            throw new UsageException($"cannot connect to PostgreSQL at {target.Host}:{target.Port}, database '{target.Database}': {ex.Message}");
        }
    }

    private static async Task<List<LoggedEvent>> ReadPageAsync(NpgsqlConnection connection, ReplayFilter filter, long after, int batch)
    {
        // Keyset paging on seq: each page is one short query, nothing is held open while the API works. A row has a
        // user_id or a session_id (deploy/sql/003-session-events.sql); the filter is one fixed predicate per kind, so
        // a single user's or session's replay can use that kind's unique index.
        await using var command = new NpgsqlCommand(
            $"""
            SELECT seq, user_id, session_id, item_id, type, value, occurred_at, event_id
            FROM recsys_events
            WHERE seq > @after{filter.Predicate}
            ORDER BY seq
            LIMIT @batch
            """, connection);
        command.Parameters.AddWithValue("after", after);
        if (filter.Id is not null)
        {
            command.Parameters.Add(new NpgsqlParameter("id", NpgsqlTypes.NpgsqlDbType.Text) { Value = filter.Id });
        }
        command.Parameters.AddWithValue("batch", batch);
        try
        {
            await using var reader = await command.ExecuteReaderAsync();
            var page = new List<LoggedEvent>(batch);
            while (await reader.ReadAsync())
            {
                page.Add(new LoggedEvent(
                    reader.GetInt64(0),
                    reader.IsDBNull(1) ? null : reader.GetString(1),
                    reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetString(3),
                    reader.GetString(4),
                    reader.IsDBNull(5) ? null : reader.GetDouble(5),
                    new DateTimeOffset(reader.GetFieldValue<DateTime>(6)).ToString("O", CultureInfo.InvariantCulture),
                    reader.GetString(7)));
            }
            return page;
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            throw new UsageException($"database '{connection.Database}' has no recsys_events table: is --connection the RecSys PostgreSQL (the API in --storage postgres mode creates it)?");
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedColumn)
        {
            throw new UsageException($"recsys_events in database '{connection.Database}' predates session events (no session_id column): start a silo of this version once, which applies deploy/sql/003-session-events.sql");
        }
    }

    private static async Task<ReplayAnswer> PostAsync(HttpClient http, List<LoggedEvent> page, long after, bool first)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsJsonAsync("/v1/admin/replay", page, JsonOptions);
        }
        catch (HttpRequestException ex) when (first)
        {
            throw new UsageException($"cannot reach {http.BaseAddress}: {ex.Message}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            throw new ReplayFailedException($"POST /v1/admin/replay failed: {ex.Message}", after);
        }
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync();
            if (!response.IsSuccessStatusCode)
            {
                var hint = response.StatusCode == System.Net.HttpStatusCode.RequestEntityTooLarge ? " (lower --batch)" : "";
                throw new ReplayFailedException($"POST /v1/admin/replay answered {(int)response.StatusCode}{hint}: {body}", after);
            }
            try
            {
                return JsonSerializer.Deserialize<ReplayAnswer>(body, JsonOptions) ?? throw new JsonException("empty body");
            }
            catch (JsonException ex)
            {
                throw new ReplayFailedException($"POST /v1/admin/replay did not answer with counts ({ex.Message}); is --url a RecSys API?", after);
            }
        }
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>
    /// One row of recsys_events in the shape POST /v1/admin/replay reads (seq is not sent): a user event has a UserId,
    /// a session event a SessionId, and the null one is left out of the JSON.
    /// </summary>
    private sealed record LoggedEvent(
        [property: JsonIgnore] long Seq, string? UserId, string? SessionId, string ItemId, string Type, double? Value, string Timestamp, string EventId);

    private sealed record ReplayAnswer(int Accepted, int Duplicates);
}

/// <summary>What <c>recsys replay</c> reads and asks for.</summary>
internal sealed record ReplayRequest(string ConnectionString, ReplayFilter Filter, long Since, int Batch);

/// <summary>Which rows of the event log a replay reads: all, only users or sessions, or one user or session.</summary>
/// <param name="Predicate">The SQL condition added to the page query (fixed text; the id is the @id parameter).</param>
/// <param name="Id">The one user or session replayed, or null.</param>
/// <param name="Description">How the CLI's summary names the selection (" for user alice", or empty).</param>
internal sealed record ReplayFilter(string Predicate, string? Id, string Description)
{
    public static ReplayFilter Everything { get; } = new("", null, "");

    public static ReplayFilter Users { get; } = new(" AND user_id IS NOT NULL", null, " for users");

    public static ReplayFilter Sessions { get; } = new(" AND session_id IS NOT NULL", null, " for sessions");

    public static ReplayFilter User(string id) => new(" AND user_id = @id", id, $" for user {id}");

    public static ReplayFilter Session(string id) => new(" AND session_id = @id", id, $" for session {id}");
}

/// <summary>Rows read (seq range) and how many of them user and session state took as new or already held.</summary>
internal sealed record ReplayResult(long Read, long FirstSeq, long LastSeq, long Applied, long Duplicates);

/// <summary>Replay stopped part-way; everything up to <see cref="ResumeAfter"/> was applied.</summary>
internal sealed class ReplayFailedException(string message, long resumeAfter)
    : Exception($"{message}; events up to seq {resumeAfter} were applied: resume with --since {resumeAfter}")
{
    public long ResumeAfter { get; } = resumeAfter;
}
