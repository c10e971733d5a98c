using RecSys.Grains.Contracts;

namespace RecSys.Api.Contracts;

/// <summary>
/// One event as POSTed to /v1/events (the body is one such object or an array of up to 10,000).
/// </summary>
/// <param name="UserId">Who acted (1–256 characters, no control characters or '/').</param>
/// <param name="ItemId">On which item (same rules); an unknown item is created without metadata.</param>
/// <param name="Type">One of view, click, like, rating, purchase, skip.</param>
/// <param name="Value">Rating on a 0–5 scale; required for type rating, optional otherwise.</param>
/// <param name="Timestamp">ISO-8601 time or unix seconds; defaults to the server's time; at most a day ahead.</param>
/// <param name="EventId">Optional client id (≤ 128 characters) that makes a retried event count once.</param>
public sealed record EventRequest(string UserId, string ItemId, string Type, double? Value, string? Timestamp, string? EventId);

/// <summary>One event as POSTed to /v1/sessions/{sessionId}/events: an event without userId.</summary>
public sealed record SessionEventRequest(string ItemId, string Type, double? Value, string? Timestamp, string? EventId);

/// <summary>Answer to POST /v1/events.</summary>
/// <param name="Accepted">Events in the request, all validated and recorded.</param>
/// <param name="Duplicates">How many of them had an eventId already recorded and were not counted again.</param>
public sealed record EventsAccepted(int Accepted, int Duplicates);

/// <summary>Answer to GET /v1/users/{userId}/recommendations (and, with <see cref="SessionId"/>, to the session route).</summary>
/// <param name="UserId">The user (null for a session).</param>
/// <param name="Items">Best first; each with its channel, recall score and rank score.</param>
/// <param name="ModelVersion">The model version that answered (null while only ItemCF and popularity serve).</param>
/// <param name="Ranker">The ranker that ordered the items, or null when the recall order was kept.</param>
/// <param name="Degraded">Channels (or "ranker") that failed or were too slow and were left out of this answer.</param>
/// <param name="SessionId">The session (null for a user).</param>
public sealed record RecommendationsResponse(
    string? UserId,
    IReadOnlyList<RecommendedItem> Items,
    string? ModelVersion = null,
    string? Ranker = null,
    IReadOnlyList<string>? Degraded = null,
    string? SessionId = null);

/// <summary>Answer to GET /v1/items/{itemId}/similar.</summary>
public sealed record SimilarItemsResponse(string ItemId, IReadOnlyList<RecommendedItem> Items);

/// <summary>PUT /v1/items/{itemId} body.</summary>
/// <param name="Title">1–500 characters.</param>
/// <param name="Categories">Up to 100 strings of 1–100 characters.</param>
/// <param name="Tags">Up to 100 strings of 1–100 characters.</param>
public sealed record ItemUpsertRequest(string Title, IReadOnlyList<string>? Categories, IReadOnlyList<string>? Tags);

/// <summary>Interaction counters of an item.</summary>
/// <param name="Popularity">Weighted engagement with exponential time decay (7-day half-life by default).</param>
public sealed record ItemCountersResponse(long Views, long Clicks, long Likes, long Ratings, long Purchases, long Skips, double Popularity);

/// <summary>PUT /v1/items/{itemId}/flags body.</summary>
/// <param name="Blocked">Required: true blocks the item from every recommendation, false makes it recommendable again.</param>
/// <param name="Reason">Optional, only with blocked = true: 1–200 characters (e.g. "out of stock").</param>
public sealed record ItemFlagsRequest(bool Blocked, string? Reason);

/// <summary>An item's flags: GET and PUT /v1/items/{itemId}/flags, and <see cref="ItemResponse.Flags"/>.</summary>
/// <param name="Blocked">True: never recommended (it stays in the catalogue and still counts events).</param>
/// <param name="Reason">Why it was blocked, if given; null when not blocked.</param>
/// <param name="BlockedAt">Since when it is blocked; null when not blocked.</param>
public sealed record ItemFlagsResponse(bool Blocked, string? Reason, DateTimeOffset? BlockedAt)
{
    public static ItemFlagsResponse From(ItemFlags flags) => new(flags.Blocked, flags.Reason, flags.BlockedAt);
}

/// <summary>An item.</summary>
/// <param name="HasMetadata">False for items first seen through an event and never described.</param>
/// <param name="Flags">Whether the item is blocked from recommendations.</param>
public sealed record ItemResponse(
    string ItemId,
    string? Title,
    IReadOnlyList<string> Categories,
    IReadOnlyList<string> Tags,
    bool HasMetadata,
    ItemCountersResponse Counters,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    ItemFlagsResponse Flags)
{
    public static ItemResponse From(ItemDetails item, ItemFlags flags) => new(
        item.ItemId,
        item.Metadata?.Title,
        item.Metadata is { } m ? m.Categories : [],
        item.Metadata is { } t ? t.Tags : [],
        item.Metadata is not null,
        new ItemCountersResponse(item.Counters.Views, item.Counters.Clicks, item.Counters.Likes, item.Counters.Ratings, item.Counters.Purchases, item.Counters.Skips, item.Counters.Popularity),
        item.CreatedAt,
        item.UpdatedAt,
        ItemFlagsResponse.From(flags));
}

/// <summary>A page of GET /v1/items.</summary>
/// <param name="Total">Items in the catalogue (with blocked=true: blocked items).</param>
public sealed record ItemListResponse(int Total, int Offset, int Limit, IReadOnlyList<ItemResponse> Items);

/// <summary>One recorded interaction as GET /v1/users/{userId} and GET /v1/sessions/{sessionId} show it.</summary>
public sealed record UserEventResponse(string ItemId, string Type, double? Value, DateTimeOffset Timestamp, string? EventId);

/// <summary>Answer to GET /v1/users/{userId}: the live state recommendations are computed from.</summary>
/// <param name="Recent">Most recent interactions, oldest first (up to 200 by default).</param>
/// <param name="SeenItems">Distinct items the user interacted with (excluded from recommendations).</param>
public sealed record UserProfileResponse(string UserId, long TotalEvents, DateTimeOffset? LastEventAt, int SeenItems, IReadOnlyList<UserEventResponse> Recent);

/// <summary>Answer to GET /v1/sessions/{sessionId}: an anonymous session's live state, as a user's.</summary>
/// <param name="Recent">Most recent interactions, oldest first (up to 200 by default).</param>
/// <param name="SeenItems">Distinct items the session interacted with (excluded from its recommendations).</param>
public sealed record SessionProfileResponse(string SessionId, long TotalEvents, DateTimeOffset? LastEventAt, int SeenItems, IReadOnlyList<UserEventResponse> Recent);
