using System.Diagnostics;
using System.Diagnostics.Metrics;
using RecSys.Grains;

namespace RecSys.Api.Diagnostics;

/// <summary>Instruments the Api reports on the "RecSys" meter.</summary>
internal static class ApiMetrics
{
    private static readonly Meter Meter = new(Telemetry.MeterName);

    /// <summary>Request latency per endpoint (recsys_http_request_duration_seconds).</summary>
    public static readonly Histogram<double> RequestDuration =
        Meter.CreateHistogram<double>("recsys.http.request.duration", unit: "s", description: "HTTP request latency by endpoint, method and status");

    /// <summary>Events recorded (recsys_events_ingested_total), by event type.</summary>
    public static readonly Counter<long> EventsIngested =
        Meter.CreateCounter<long>("recsys.events.ingested", unit: "{event}", description: "Events accepted by POST /v1/events");

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
