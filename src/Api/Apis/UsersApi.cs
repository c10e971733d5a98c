using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Validation;
using RecSys.Grains;

namespace RecSys.Api.Apis;

/// <summary>GET /v1/users/{userId}/recommendations: the read path.</summary>
internal static class UsersApi
{
    public const int MaxCount = 500;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/users/{userId}/recommendations", RecommendAsync)
            .WithName("GetRecommendations")
            .WithTags("Recommendations")
            .WithSummary("Top items for a user, each with the recall channel that found it and its score")
            .WithDescription("Query: count, an integer from 1 to 500 (default 10). Items the user interacted with never appear. " +
                             "Unknown users get the popular items.");
        app.MapGet("/v1/users/{userId}", GetProfileAsync)
            .WithName("GetUser")
            .WithTags("Users")
            .WithSummary("A user's live state: recent interactions and counters (404 if nothing was recorded)");
        return app;
    }

    private static async Task<Results<Ok<UserProfileResponse>, ValidationProblem, ProblemHttpResult>> GetProfileAsync(string userId, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(userId, "userId") is { } idProblem)
        {
            return RequestValidation.Invalid("userId", idProblem);
        }
        var user = await grains.GetGrain<IUserGrain>(userId).GetSnapshotAsync();
        if (user.TotalEvents == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "User not found", detail: $"no events were recorded for user '{userId}'");
        }
        return TypedResults.Ok(new UserProfileResponse(
            user.UserId,
            user.TotalEvents,
            user.LastEventAt,
            user.Seen.Length,
            [.. user.Recent.Select(e => new UserEventResponse(e.ItemId, e.Type.ToString().ToLowerInvariant(), e.Value, e.Timestamp, e.EventId))]));
    }

    private static async Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> RecommendAsync(
        string userId, string? count, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(userId, "userId") is { } idProblem)
        {
            return RequestValidation.Invalid("userId", idProblem);
        }
        if (!RequestValidation.TryQueryInt(count, "count", 10, 1, MaxCount, out var n, out var problem))
        {
            return problem!;
        }
        var items = await grains.GetGrain<IRecommenderGrain>(0).RecommendAsync(userId, n);
        return TypedResults.Ok(new RecommendationsResponse(userId, items));
    }
}
