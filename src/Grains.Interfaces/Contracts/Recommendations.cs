using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>One recommended item, with the recall channel that found it and that channel's score.</summary>
[GenerateSerializer, Immutable, Alias("recsys.RecommendedItem")]
public sealed record RecommendedItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Score,
    [property: Id(2)] string Channel);

/// <summary>A popularity score (decayed weighted engagement).</summary>
[GenerateSerializer, Immutable, Alias("recsys.PopularItem")]
public sealed record PopularItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Score);

/// <summary>Engagement to add to an item's popularity.</summary>
[GenerateSerializer, Immutable, Alias("recsys.PopularityDelta")]
public sealed record PopularityDelta(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Weight,
    [property: Id(2)] DateTimeOffset Timestamp);

/// <summary>Names of the recall channels a result can come from.</summary>
public static class Channels
{
    public const string ItemCf = "itemcf";
    public const string Popularity = "popularity";
}
