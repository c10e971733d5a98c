using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>One recommended item, with the recall channel that found it and the scores that placed it.</summary>
/// <param name="ItemId">The item.</param>
/// <param name="Score">What the list is ordered by: the rank score when ranked, else the recall score.</param>
/// <param name="Channel">The recall channel that found it (the one that ranked it highest, if several did).</param>
/// <param name="RecallScore">That channel's score.</param>
/// <param name="RankScore">The ranker's probability, or null when the recall order was kept.</param>
[GenerateSerializer, Immutable, Alias("recsys.RecommendedItem")]
public sealed record RecommendedItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Score,
    [property: Id(2)] string Channel,
    [property: Id(3)] double RecallScore = 0,
    [property: Id(4)] double? RankScore = null);

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

/// <summary>Names of the recall channels a result can come from (vector channels are named after their model).</summary>
public static class Channels
{
    /// <summary>The subject's own recent items (where repeats are allowed).</summary>
    public const string History = "history";

    public const string ItemCf = "itemcf";

    /// <summary>Decayed popularity: the trending channel, and the filler when other channels find too little.</summary>
    public const string Popularity = "popularity";
}
