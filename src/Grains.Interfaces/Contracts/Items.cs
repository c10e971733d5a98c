using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>Catalogue metadata of an item.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ItemMetadata")]
public sealed record ItemMetadata(
    [property: Id(0)] string Title,
    [property: Id(1)] ImmutableArray<string> Categories,
    [property: Id(2)] ImmutableArray<string> Tags);

/// <summary>Interaction counters of an item: lifetime totals and a time-decayed engagement score.</summary>
/// <param name="Popularity">Weighted engagement decayed with the item half-life, as of <c>ItemDetails.UpdatedAt</c>.</param>
[GenerateSerializer, Immutable, Alias("recsys.ItemCounters")]
public sealed record ItemCounters(
    [property: Id(0)] long Views,
    [property: Id(1)] long Clicks,
    [property: Id(2)] long Likes,
    [property: Id(3)] long Ratings,
    [property: Id(4)] long Purchases,
    [property: Id(5)] long Skips,
    [property: Id(6)] double Popularity);

/// <summary>An item as the API shows it.</summary>
/// <param name="Metadata">Null for items first seen through an event and never described.</param>
[GenerateSerializer, Immutable, Alias("recsys.ItemDetails")]
public sealed record ItemDetails(
    [property: Id(0)] string ItemId,
    [property: Id(1)] ItemMetadata? Metadata,
    [property: Id(2)] ItemCounters Counters,
    [property: Id(3)] DateTimeOffset CreatedAt,
    [property: Id(4)] DateTimeOffset UpdatedAt);

/// <summary>One interaction as an item grain records it.</summary>
/// <param name="DedupeKey">
/// Identifies the event across retries ("user id, event id"); null when the client sent no event id.
/// </param>
[GenerateSerializer, Immutable, Alias("recsys.ItemActivity")]
public sealed record ItemActivity(
    [property: Id(0)] EventType Type,
    [property: Id(1)] double Weight,
    [property: Id(2)] DateTimeOffset Timestamp,
    [property: Id(3)] string? DedupeKey = null);

/// <summary>A page of the catalogue index.</summary>
[GenerateSerializer, Immutable, Alias("recsys.CatalogPage")]
public sealed record CatalogPage(
    [property: Id(0)] int Total,
    [property: Id(1)] ImmutableArray<string> ItemIds);
