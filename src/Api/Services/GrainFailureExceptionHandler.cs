using Microsoft.AspNetCore.Diagnostics;

namespace RecSys.Api.Services;

/// <summary>
/// Turns failures of the cluster behind the API (timeouts, unreachable silos, storage errors, event-log commits) into
/// 503 problem responses that tell the client to retry, instead of an opaque 500.
/// </summary>
internal sealed partial class GrainFailureExceptionHandler(IProblemDetailsService problems, ILogger<GrainFailureExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not (TimeoutException or OrleansException or Orleans.Storage.InconsistentStateException or EventLogUnavailableException))
        {
            return false;
        }
        LogUnavailable(logger, exception, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "1";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = "the recommender cluster could not complete the request; retry (events carrying an eventId are recorded once)",
            },
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cluster failure while serving {Path}")]
    private static partial void LogUnavailable(ILogger logger, Exception exception, string path);
}
