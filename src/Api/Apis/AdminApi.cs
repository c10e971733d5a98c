using RecSys.Api.Contracts;
using RecSys.Api.Services;
using RecSys.Api.Validation;

namespace RecSys.Api.Apis;

/// <summary>POST /v1/admin/replay: rebuilds user and session state from events read back from the event log.</summary>
internal static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/admin/replay", PostReplayAsync)
            .WithName("ReplayEvents")
            .WithTags("Admin")
            .WithSummary("Re-apply logged events to user and session state (used by `recsys replay`)")
            .WithDescription(
                "Body: events as for POST /v1/events, each with the eventId it was logged with (required); a session event names " +
                "its sessionId instead of a userId. They are applied to the users' and sessions' state only, in order, and are " +
                "not logged again; events a user or session still remembers are skipped, so a replay can be repeated. Item " +
                "counters and popularity are not touched.")
            .Accepts<EventRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status200OK)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static async Task<IResult> PostReplayAsync(HttpRequest request, EventIngestor ingestor, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (document, error) = await RequestValidation.ReadJsonBodyAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var (events, errors) = EventParser.Parse(document!.RootElement, clock.GetUtcNow(), replay: true);
            if (errors is not null)
            {
                return RequestValidation.Invalid(errors);
            }
            var result = await ingestor.ReplayAsync(events!);
            return TypedResults.Ok(new EventsAccepted(result.Accepted, result.Duplicates));
        }
    }
}
