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
        return app;
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
