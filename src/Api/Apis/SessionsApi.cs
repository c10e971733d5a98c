using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Services;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Apis;

/// <summary>
/// Anonymous sessions: events, live state and recommendations keyed by a session id, with no user. Events go through
/// the same ingestion as users' (the event log first in PostgreSQL mode). Recommendations read the session's own
/// events only (its own recent items, GRU4Rec and the other sequence models over the session, ItemCF from its items,
/// trending), ranked like a user's.
/// </summary>
internal static class SessionsApi
{
    public static IEndpointRouteBuilder MapSessionsApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/sessions/{sessionId}/events", PostEventsAsync)
            .WithName("PostSessionEvents")
            .WithTags("Sessions")
            .WithSummary("Record events of an anonymous session (one object or an array; no userId)")
            .WithDescription("Fields as for POST /v1/events without userId: itemId, type, value, timestamp, eventId (idempotency key, " +
                             "per session). Events are persisted (in PostgreSQL mode first committed to the event log) before 202 is " +
                             "returned and count for item counters and popularity.")
            .Accepts<SessionEventRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        app.MapGet("/v1/sessions/{sessionId}/recommendations", RecommendAsync)
            .WithName("GetSessionRecommendations")
            .WithTags("Sessions")
            .WithSummary("Top items for an anonymous session, from the session's own events")
            .WithDescription("Query: count (1 to 500, default 10), exclude (comma-separated item ids) and repeats (true or false: may items " +
                             "the session viewed, clicked or liked come back; default RecSys:Serving:SessionRepeats, true — sessions often " +
                             "return to what they just saw). Rated, purchased and skipped items never appear.");
        app.MapGet("/v1/sessions/{sessionId}", GetProfileAsync)
            .WithName("GetSession")
            .WithTags("Sessions")
            .WithSummary("An anonymous session's live state: recent interactions and counters (404 if nothing was recorded)");
        return app;
    }

    private static async Task<Results<Ok<SessionProfileResponse>, ValidationProblem, ProblemHttpResult>> GetProfileAsync(string sessionId, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(sessionId, "sessionId") is { } idProblem)
        {
            return RequestValidation.Invalid("sessionId", idProblem);
        }
        var session = await grains.GetGrain<ISessionGrain>(sessionId).GetSnapshotAsync();
        if (session.TotalEvents == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Session not found", detail: $"no events were recorded for session '{sessionId}'");
        }
        return TypedResults.Ok(new SessionProfileResponse(sessionId, session.TotalEvents, session.LastEventAt, session.Seen.Length, UsersApi.RecentOf(session)));
    }

    private static async Task<IResult> PostEventsAsync(string sessionId, HttpRequest request, EventIngestor ingestor, TimeProvider clock, CancellationToken cancellationToken) =>
        RequestValidation.CheckId(sessionId, "sessionId") is { } idProblem
            ? RequestValidation.Invalid("sessionId", idProblem)
            : await EventsApi.AcceptAsync(request, ingestor, clock, sessionId, cancellationToken);

    private static Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> RecommendAsync(
        string sessionId, string? count, string? exclude, string? repeats, IGrainFactory grains) =>
        UsersApi.RecommendFor(SubjectKind.Session, sessionId, "sessionId", count, exclude, repeats, grains);
}
