using RecSys.Grains;

namespace RecSys.Api.Apis;

/// <summary>Model lifecycle: list the versions under the artifacts folder and activate one on every silo.</summary>
internal static class ModelAdminApi
{
    public static IEndpointRouteBuilder MapModelAdminApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/admin/models", ListAsync)
            .WithName("ListModelVersions")
            .WithTags("Admin")
            .WithSummary("Model versions on disk (newest first) with their models and metrics, and the active and pending versions");
        app.MapPost("/v1/admin/models/{version}/activate", ActivateAsync)
            .WithName("ActivateModelVersion")
            .WithTags("Admin")
            .WithSummary("Load a version on every silo, build its recall shards, then switch to it atomically")
            .WithDescription("Returns when the version serves. 404: no such version; 409: another activation is running or a silo could not load it.");
        return app;
    }

    private static async Task<IResult> ListAsync(IGrainFactory grains) =>
        TypedResults.Ok(await grains.GetGrain<IModelRegistryGrain>(0).ListAsync());

    private static async Task<IResult> ActivateAsync(string version, IGrainFactory grains)
    {
        try
        {
            return TypedResults.Ok(await grains.GetGrain<IModelRegistryGrain>(0).ActivateAsync(version));
        }
        catch (ModelVersionException ex)
        {
            return TypedResults.Problem(
                statusCode: ex.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status409Conflict,
                title: ex.NotFound ? "Model version not found" : "Model version not activated",
                detail: ex.Message,
                extensions: new Dictionary<string, object?> { ["field"] = "version" });
        }
    }
}
