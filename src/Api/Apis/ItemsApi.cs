using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using RecSys.Api.Contracts;
using RecSys.Api.Validation;
using RecSys.Grains;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;

namespace RecSys.Api.Apis;

/// <summary>The catalogue: list, read, upsert, flags (blocked items), and "users who liked this also liked".</summary>
internal static class ItemsApi
{
    private const int MaxListLimit = 500;
    private const int MaxTitleLength = 500;
    private const int MaxLabels = 100;
    private const int MaxLabelLength = 100;
    private const int MaxReasonLength = 200;

    public static IEndpointRouteBuilder MapItemsApi(this IEndpointRouteBuilder app)
    {
        var items = app.MapGroup("/v1/items").WithTags("Items");

        items.MapGet("/", ListAsync)
            .WithName("ListItems")
            .WithSummary("Catalogue items in registration order, or the blocked items")
            .WithDescription("Query: offset (default 0), limit from 1 to 500 (default 50); blocked=true lists only blocked items, oldest block first.");

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

        items.MapGet("/{itemId}/flags", GetFlagsAsync)
            .WithName("GetItemFlags")
            .WithSummary("Whether an item is blocked from recommendations, since when and why");

        items.MapPut("/{itemId}/flags", SetFlagsAsync)
            .WithName("SetItemFlags")
            .WithSummary("Block an item from every recommendation, or unblock it (creates an unknown item)")
            .WithDescription("Body: {\"blocked\": true|false, \"reason\": \"...\"}. Takes effect at once on the silo holding the registry and within RecSys:Serving:BlockedItemsRefreshInterval (1 s) on the others.")
            .Accepts<ItemFlagsRequest>("application/json")
            .Produces<ItemFlagsResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        items.MapGet("/{itemId}/similar", SimilarAsync)
            .WithName("GetSimilarItems")
            .WithSummary("Items most similar to this one (ItemCF: users who interacted with it also interacted with these)")
            .WithDescription("Query: count, an integer from 1 to 500 (default 10).");
        return app;
    }

    private static async Task<Results<Ok<ItemListResponse>, ValidationProblem>> ListAsync(string? offset, string? limit, string? blocked, IGrainFactory grains)
    {
        if (!RequestValidation.TryQueryInt(offset, "offset", 0, 0, int.MaxValue, out var from, out var problem)
            || !RequestValidation.TryQueryInt(limit, "limit", 50, 1, MaxListLimit, out var take, out problem))
        {
            return problem!;
        }
        var registry = Registry(grains);
        if (blocked is not null)
        {
            // Only "true": the unblocked items are the catalogue minus a set, which cannot be paged by offset cheaply.
            if (!blocked.Equals("true", StringComparison.OrdinalIgnoreCase))
            {
                return RequestValidation.Invalid("blocked", $"blocked must be 'true' (omit it to list every item); got '{blocked}'");
            }
            var blockedPage = await registry.ListAsync(from, take);
            var blockedDetails = await Task.WhenAll(blockedPage.Items.Select(b => grains.GetGrain<IItemGrain>(b.ItemId).GetAsync()));
            var blockedListed = blockedDetails
                .Zip(blockedPage.Items, (item, flags) => (item, flags))
                .Where(x => x.item is not null)
                .Select(x => ItemResponse.From(x.item!, new ItemFlags(true, x.flags.Reason, x.flags.BlockedAt)))
                .ToList();
            return TypedResults.Ok(new ItemListResponse(blockedPage.Total, from, take, blockedListed));
        }

        var page = await grains.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default).ListAsync(from, take);
        var flags = registry.GetManyAsync(page.ItemIds);
        var details = Task.WhenAll(page.ItemIds.Select(id => grains.GetGrain<IItemGrain>(id).GetAsync()));
        await Task.WhenAll(flags, details);
        var listed = details.Result
            .Zip(flags.Result, (item, itemFlags) => (item, itemFlags))
            .Where(x => x.item is not null)
            .Select(x => ItemResponse.From(x.item!, x.itemFlags))
            .ToList();
        return TypedResults.Ok(new ItemListResponse(page.Total, from, take, listed));
    }

    private static async Task<Results<Ok<ItemResponse>, ValidationProblem, ProblemHttpResult>> GetAsync(string itemId, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(itemId, "itemId") is { } idProblem)
        {
            return RequestValidation.Invalid("itemId", idProblem);
        }
        var flags = Registry(grains).GetAsync(itemId);
        var item = grains.GetGrain<IItemGrain>(itemId).GetAsync();
        await Task.WhenAll(flags, item);
        return item.Result is null ? NotFound(itemId) : TypedResults.Ok(ItemResponse.From(item.Result, flags.Result));
    }

    private static async Task<Results<Ok<ItemFlagsResponse>, ValidationProblem, ProblemHttpResult>> GetFlagsAsync(string itemId, IGrainFactory grains)
    {
        if (RequestValidation.CheckId(itemId, "itemId") is { } idProblem)
        {
            return RequestValidation.Invalid("itemId", idProblem);
        }
        if (await grains.GetGrain<IItemGrain>(itemId).GetAsync() is null)
        {
            return NotFound(itemId);
        }
        return TypedResults.Ok(ItemFlagsResponse.From(await Registry(grains).GetAsync(itemId)));
    }

    private static async Task<IResult> SetFlagsAsync(string itemId, HttpRequest request, IGrainFactory grains, IServiceProvider services, CancellationToken cancellationToken)
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
            var (blocked, reason, errors) = ParseFlags(document!.RootElement);
            if (errors is not null)
            {
                return RequestValidation.Invalid(errors);
            }
            // The item first: a flag never points at an id the catalogue does not list. A failure after it leaves an
            // unflagged item, and the retry completes the change.
            await grains.GetGrain<IItemGrain>(itemId).GetOrCreateAsync();
            var flags = await Registry(grains).SetAsync(itemId, blocked, reason);
            await RefreshCoHostedSiloAsync(services, grains);
            return TypedResults.Ok(ItemFlagsResponse.From(flags));
        }
    }

    /// <summary>
    /// With a co-hosted silo, its copy of the blocked items is refreshed now, so the requests this process serves next
    /// see the change even when the registry lives on another silo (that one is refreshed by the registry itself).
    /// </summary>
    private static async Task RefreshCoHostedSiloAsync(IServiceProvider services, IGrainFactory grains)
    {
        if (services.GetService<BlockedItems>() is not { } local)
        {
            return; // an Orleans client: no copy here
        }
        try
        {
            await local.RefreshAsync(grains);
        }
        catch (Exception ex) when (ex is OrleansException or TimeoutException)
        {
            // The change is persisted; this silo's poll picks it up within one interval.
        }
    }

    private static IBlockedItemsGrain Registry(IGrainFactory grains) => grains.GetGrain<IBlockedItemsGrain>(CatalogGrainKeys.Default);

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
            return TypedResults.Ok(ItemResponse.From(item, await Registry(grains).GetAsync(itemId)));
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

    private static (bool Blocked, string? Reason, Dictionary<string, string[]>? Errors) ParseFlags(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (root.ValueKind != JsonValueKind.Object)
        {
            errors["body"] = ["expected an object {\"blocked\": true|false, \"reason\": \"...\"}"];
            return (false, null, errors);
        }

        var blocked = false;
        if (!root.TryGetProperty("blocked", out var blockedElement) || blockedElement.ValueKind == JsonValueKind.Null)
        {
            errors["blocked"] = ["blocked is required"];
        }
        else if (blockedElement.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            blocked = blockedElement.GetBoolean();
        }
        else
        {
            errors["blocked"] = ["blocked must be true or false"];
        }

        string? reason = null;
        if (root.TryGetProperty("reason", out var reasonElement) && reasonElement.ValueKind != JsonValueKind.Null)
        {
            if (string.IsNullOrWhiteSpace(reason = JsonText.Read(reasonElement)?.Trim()) || reason.Length > MaxReasonLength)
            {
                errors["reason"] = [$"reason must be a string of 1 to {MaxReasonLength} characters"];
            }
            else if (!errors.ContainsKey("blocked") && !blocked)
            {
                // Only a blocked item keeps a reason; accepting one here would drop it without a word.
                errors["reason"] = ["reason is only kept for a blocked item; omit it when unblocking"];
            }
        }
        return errors.Count > 0 ? (false, null, errors) : (blocked, reason, null);
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
