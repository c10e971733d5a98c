using RecSys.Api.Contracts;
using RecSys.Api.Services;
using RecSys.Api.Validation;

namespace RecSys.Api.Apis;

/// <summary>POST /v1/events: the write path.</summary>
internal static class EventsApi
{
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/events", PostEventsAsync)
            .WithName("PostEvents")
            .WithTags("Events")
            .WithSummary("Record one event or a batch of up to 10,000")
            .WithDescription(
                "Body: one event object or an array of them. Fields: userId, itemId (required), type (view, click, like, rating, " +
                "purchase, skip), value (0-5, required for rating), timestamp (ISO-8601 or unix seconds), eventId (idempotency key). " +
                "The whole batch is validated before anything is recorded; events are persisted (in PostgreSQL mode first committed " +
                "to the event log) before 202 is returned.")
            .Accepts<EventRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    private static Task<IResult> PostEventsAsync(HttpRequest request, EventIngestor ingestor, TimeProvider clock, CancellationToken cancellationToken) =>
        AcceptAsync(request, ingestor, clock, session: null, cancellationToken);

    /// <summary>
    /// Reads, validates and ingests a body of events (shared by the user and session routes): 202 with the counts,
    /// or the body's problem.
    /// </summary>
    /// <param name="session">The session id when the route names the subject; null when each event names its user.</param>
    internal static async Task<IResult> AcceptAsync(HttpRequest request, EventIngestor ingestor, TimeProvider clock, string? session, CancellationToken cancellationToken)
    {
        var (document, error) = await RequestValidation.ReadJsonBodyAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var (events, errors) = EventParser.Parse(document!.RootElement, clock.GetUtcNow(), session: session);
            if (errors is not null)
            {
                return RequestValidation.Invalid(errors);
            }
            var result = await ingestor.IngestAsync(events!);
            return TypedResults.Accepted((string?)null, new EventsAccepted(result.Accepted, result.Duplicates));
        }
    }
}
