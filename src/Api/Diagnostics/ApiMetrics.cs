using System.Diagnostics;
using System.Diagnostics.Metrics;
using RecSys.Grains;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Diagnostics;

/// <summary>Instruments the Api reports on the "RecSys" meter.</summary>
internal static class ApiMetrics
{
    private static readonly Meter Meter = new(Telemetry.MeterName);

    /// <summary>Request latency per endpoint (recsys_http_request_duration_seconds).</summary>
    public static readonly Histogram<double> RequestDuration =
        Meter.CreateHistogram<double>("recsys.http.request.duration", unit: "s", description: "HTTP request latency by endpoint, method and status");

    /// <summary>Events recorded (recsys_events_ingested_total), by event type and subject (user, session).</summary>
    public static readonly Counter<long> EventsIngested =
        Meter.CreateCounter<long>("recsys.events.ingested", unit: "{event}", description: "Events newly recorded by POST /v1/events and POST /v1/sessions/{sessionId}/events, by type and subject");

    /// <summary>Events re-applied to user and session state by POST /v1/admin/replay (recsys_events_replayed_total), by outcome.</summary>
    public static readonly Counter<long> EventsReplayed =
        Meter.CreateCounter<long>("recsys.events.replayed", unit: "{event}", description: "Events re-applied to user and session state from the event log");

    /// <summary>Events per committed event-log batch (recsys_ingest_batch_size): how well concurrent requests are gathered.</summary>
    public static readonly Histogram<int> IngestBatchSize =
        Meter.CreateHistogram<int>("recsys.ingest.batch.size", unit: "{event}", description: "Events written to the event log per transaction");

    /// <summary>Time of one event-log INSERT and commit (recsys_ingest_commit_duration_seconds).</summary>
    public static readonly Histogram<double> IngestCommitDuration =
        Meter.CreateHistogram<double>("recsys.ingest.commit.duration", unit: "s", description: "Event-log batch write and commit time");

    /// <summary>
    /// Time from a request handing its events to the event log until they are committed: the wait in the batcher
    /// plus the commit (recsys_ingest_lag_seconds), by subject (user, session). Durability's share of write latency.
    /// </summary>
    public static readonly Histogram<double> IngestLag =
        Meter.CreateHistogram<double>("recsys.ingest.lag", unit: "s", description: "Time from an append reaching the event log to its commit, by subject");

    /// <summary>Event-log batches that failed to commit (recsys_ingest_failed_batches_total); their requests answered 503.</summary>
    public static readonly Counter<long> IngestFailedBatches =
        Meter.CreateCounter<long>("recsys.ingest.failed.batches", unit: "{batch}", description: "Event-log batches whose write or commit failed");

    /// <summary>The <c>subject</c> label of the ingest instruments: <c>user</c> or <c>session</c>.</summary>
    public static string SubjectLabel(SubjectKind kind) => kind == SubjectKind.Session ? "session" : "user";

    /// <summary>
    /// Times every request by its route template, not its raw path, so ids do not explode cardinality. Must be
    /// the outermost middleware: the status is read after the exception handler has turned a failure into its
    /// 500/503, and the route is read before that handler clears the endpoint.
    /// </summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var start = Stopwatch.GetTimestamp();
        var route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
        var status = 0;
        try
        {
            await next(context);
            status = context.Response.StatusCode;
        }
        catch
        {
            status = StatusCodes.Status500InternalServerError; // escaped every handler
            throw;
        }
        finally
        {
            route ??= (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
            RequestDuration.Record(
                Stopwatch.GetElapsedTime(start).TotalSeconds,
                new KeyValuePair<string, object?>("endpoint", route),
                new KeyValuePair<string, object?>("method", context.Request.Method),
                new KeyValuePair<string, object?>("status", status));
        }
    });
}
