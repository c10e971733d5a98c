using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Services;
using RecSys.Api.Validation;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Apis;

/// <summary>
/// Anonymous sessions: events and recommendations keyed by a session id, with no user. Recommendations read the
/// session's own events only (GRU4Rec and the other sequence models over the session, ItemCF from its items,
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
            .WithDescription("Fields as for POST /v1/events without userId: itemId, type, value, timestamp, eventId. " +
                             "Events are persisted before 202 is returned and count for item counters and popularity.")
            .Accepts<SessionEventRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem();
        app.MapGet("/v1/sessions/{sessionId}/recommendations", RecommendAsync)
            .WithName("GetSessionRecommendations")
            .WithTags("Sessions")
            .WithSummary("Top items for an anonymous session, from the session's own events")
            .WithDescription("Query: count (1 to 500, default 10) and exclude (comma-separated item ids). Items of the session never appear.");
        return app;
    }

    private static async Task<IResult> PostEventsAsync(string sessionId, HttpRequest request, EventIngestor ingestor, TimeProvider clock, CancellationToken cancellationToken) =>
        RequestValidation.CheckId(sessionId, "sessionId") is { } idProblem
            ? RequestValidation.Invalid("sessionId", idProblem)
            : await EventsApi.AcceptAsync(request, ingestor, clock, SubjectKind.Session, sessionId, cancellationToken);

    private static Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> RecommendAsync(
        string sessionId, string? count, string? exclude, IGrainFactory grains) =>
        UsersApi.RecommendFor(SubjectKind.Session, sessionId, "sessionId", count, exclude, grains);
}
