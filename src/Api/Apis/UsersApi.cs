using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Validation;
using System.Collections.Immutable;
using RecSys.Grains;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Apis;

/// <summary>GET /v1/users/{userId}/recommendations: the read path.</summary>
internal static class UsersApi
{
    public const int MaxCount = 500;

    /// <summary>Item ids one request may exclude.</summary>
    public const int MaxExclude = 1000;

    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/users/{userId}/recommendations", RecommendAsync)
            .WithName("GetRecommendations")
            .WithTags("Recommendations")
            .WithSummary("Top items for a user, each with the recall channel that found it and its score")
            .WithDescription("Query: count, an integer from 1 to 500 (default 10); exclude, comma-separated item ids never to return; " +
                             "repeats, true or false: may items the user only viewed, clicked or liked come back (default " +
                             "RecSys:Serving:UserRepeats, false). Rated, purchased and skipped items never appear. Unknown users get the popular items.");
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
            RecentOf(user)));
    }

    /// <summary>A user's or session's recent events as the profile endpoints show them.</summary>
    internal static UserEventResponse[] RecentOf(UserSnapshot snapshot) =>
        [.. snapshot.Recent.Select(e => new UserEventResponse(e.ItemId, e.Type.ToString().ToLowerInvariant(), e.Value, e.Timestamp, e.EventId))];

    private static Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> RecommendAsync(
        string userId, string? count, string? exclude, string? repeats, IGrainFactory grains) =>
        RecommendFor(SubjectKind.User, userId, "userId", count, exclude, repeats, grains);

    /// <summary>Validates the query and asks the recommender; shared by the user and session routes.</summary>
    internal static async Task<Results<Ok<RecommendationsResponse>, ValidationProblem>> RecommendFor(
        SubjectKind kind, string id, string idField, string? count, string? exclude, string? repeats, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(id, idField) is { } idProblem)
        {
            return RequestValidation.Invalid(idField, idProblem);
        }
        if (!RequestValidation.TryQueryInt(count, "count", 10, 1, MaxCount, out var n, out var problem))
        {
            return problem!;
        }
        if (!RequestValidation.TryQueryBool(repeats, "repeats", out var allowRepeats, out problem))
        {
            return problem!;
        }
        var excluded = ImmutableArray<string>.Empty;
        if (!string.IsNullOrEmpty(exclude))
        {
            var ids = exclude.Split(',', StringSplitOptions.TrimEntries);
            if (ids.Length > MaxExclude)
            {
                return RequestValidation.Invalid("exclude", $"exclude lists at most {MaxExclude} item ids; this one has {ids.Length}");
            }
            foreach (var itemId in ids)
            {
                if (RequestValidation.CheckId(itemId, "exclude") is { } itemProblem)
                {
                    return RequestValidation.Invalid("exclude", $"'{itemId}': {itemProblem}");
                }
            }
            excluded = [.. ids];
        }
        var result = await grains.GetGrain<IRecommenderGrain>(0).RecommendAsync(new RecommendQuery(kind, id, n, excluded, allowRepeats));
        return TypedResults.Ok(new RecommendationsResponse(
            kind == SubjectKind.User ? id : null,
            result.Items,
            result.ModelVersion,
            result.Ranker,
            result.Degraded,
            kind == SubjectKind.Session ? id : null));
    }
}
