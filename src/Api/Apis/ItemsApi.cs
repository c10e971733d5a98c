using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;

namespace RecSys.Api.Apis;

/// <summary>The catalogue: list, read, upsert, and "users who liked this also liked".</summary>
internal static class ItemsApi
{
    private const int MaxListLimit = 500;
    private const int MaxTitleLength = 500;
    private const int MaxLabels = 100;
    private const int MaxLabelLength = 100;

    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/v1/items").WithTags("Items");

        items.MapGet("/", ListAsync)
            .WithName("ListItems")
            .WithSummary("Catalogue items in registration order")
            .WithDescription("Query: offset (default 0), limit from 1 to 500 (default 50).");

        items.MapGet("/{itemId}", GetAsync)
            .WithName("GetItem")
            .WithSummary("One item with its metadata and counters");

        items.MapPut("/{itemId}", UpsertAsync)
            .WithName("UpsertItem")
            .WithSummary("Create an item or replace its metadata")
            .Accepts<ItemUpsertRequest>("application/json")
            .Produces<ItemResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        items.MapGet("/{itemId}/similar", SimilarAsync)
            .WithName("GetSimilarItems")
            .WithSummary("Items most similar to this one (ItemCF: users who interacted with it also interacted with these)")
            .WithDescription("Query: count, an integer from 1 to 500 (default 10).");
        return app;
    }

    private static async Task<Results<Ok<ItemListResponse>, ValidationProblem>> ListAsync(string? offset, string? limit, IGrainFactory grains)
    {
        if (!RequestValidation.TryQueryInt(offset, "offset", 0, 0, int.MaxValue, out var from, out var problem)
            || !RequestValidation.TryQueryInt(limit, "limit", 50, 1, MaxListLimit, out var take, out problem))
        {
            return problem!;
        }
        var page = await grains.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default).ListAsync(from, take);
        var details = await Task.WhenAll(page.ItemIds.Select(id => grains.GetGrain<IItemGrain>(id).GetAsync()));
        var listed = details.OfType<ItemDetails>().Select(ItemResponse.From).ToList();
        return TypedResults.Ok(new ItemListResponse(page.Total, from, take, listed));
    }

    private static async Task<Results<Ok<ItemResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(string itemId, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(itemId, "itemId") is { } idProblem)
        {
            return RequestValidation.Invalid("itemId", idProblem);
        }
        var item = await grains.GetGrain<IItemGrain>(itemId).GetAsync();
        return item is null ? NotFound(itemId) : TypedResults.Ok(ItemResponse.From(item));
    }

    private static async Task<IResult> UpsertAsync(string itemId, HttpRequest request, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (RequestValidation.CheckId(itemId, "itemId") is { } idProblem)
        {
            return RequestValidation.Invalid("itemId", idProblem);
        }
        var (document, error) = await RequestValidation.ReadJsonBodyAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var (metadata, errors) = ParseMetadata(document!.RootElement);
            if (errors is not null)
            {
                return RequestValidation.Invalid(errors);
            }
            var item = await grains.GetGrain<IItemGrain>(itemId).UpsertAsync(metadata!);
            return TypedResults.Ok(ItemResponse.From(item));
        }
    }

    private static async Task<Results<Ok<SimilarItemsResponse>, ValidationProblem, ProblemHttpResult>> SimilarAsync(
        string itemId, string? count, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(itemId, "itemId") is { } idProblem)
        {
            return RequestValidation.Invalid("itemId", idProblem);
        }
        if (!RequestValidation.TryQueryInt(count, "count", 10, 1, UsersApi.MaxCount, out var n, out var problem))
        {
            return problem!;
        }
        if (await grains.GetGrain<IItemGrain>(itemId).GetAsync() is null)
        {
            return NotFound(itemId);
        }
        var similar = await grains.GetGrain<IRecommenderGrain>(0).SimilarItemsAsync(itemId, n);
        return TypedResults.Ok(new SimilarItemsResponse(itemId, similar));
    }

    private static ProblemHttpResult NotFound(string itemId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Item not found", detail: $"item '{itemId}' does not exist");

    private static (ItemMetadata? Metadata, Dictionary<string, string[]>? Errors) ParseMetadata(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["expected an object {\"title\", \"categories\", \"tags\"}"];
            return (null, errors);
        }

        string? title = null;
        if (!root.TryGetProperty("title", out var titleElement) || titleElement.ValueKind == JsonValueKind.Null)
        {
            errors["title"] = ["title is required"];
        }
        else if (string.IsNullOrWhiteSpace(title = JsonText.Read(titleElement)?.Trim()) || title.Length > MaxTitleLength)
        {
            errors["title"] = [$"title must be a string of 1 to {MaxTitleLength} characters"];
        }

        var categories = ReadLabels(root, "categories", errors);
        var tags = ReadLabels(root, "tags", errors);
        return errors.Count > 0 ? (null, errors) : (new ItemMetadata(title!, categories, tags), null);
    }

    private static System.Collections.Immutable.ImmutableArray<string> ReadLabels(JsonElement root, string field, Dictionary<string, string[]> errors)
    {
        if (!root.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return [];
        }
        var message = $"{field} must be an array of at most {MaxLabels} strings of 1 to {MaxLabelLength} characters";
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > MaxLabels)
        {
            errors[field] = [message];
            return [];
        }
        var labels = new List<string>();
        var index = 0;
        foreach (var label in element.EnumerateArray())
        {
            var text = JsonText.Read(label)?.Trim();
            if (string.IsNullOrEmpty(text) || text.Length > MaxLabelLength)
            {
                errors[$"{field}[{index}]"] = [message];
                return [];
            }
            if (!labels.Contains(text, StringComparer.Ordinal))
            {
                labels.Add(text);
            }
            index++;
        }
        return [.. labels];
    }
}
