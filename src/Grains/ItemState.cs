using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>Persisted state of <see cref="ItemGrain"/>. Property names are the stored JSON schema.</summary>
[GenerateSerializer, Alias("recsys.ItemState")]
public sealed class ItemState
{
    /// <summary>False until the item is described or interacted with.</summary>
    [Id(0)]
    public bool Exists { get; set; }

    [Id(1)]
    public ItemMetadata? Metadata { get; set; }

    [Id(2)]
    public long Views { get; set; }

    [Id(3)]
    public long Clicks { get; set; }

    [Id(4)]
    public long Likes { get; set; }

    [Id(5)]
    public long Ratings { get; set; }

    [Id(6)]
    public long Purchases { get; set; }

    [Id(7)]
    public long Skips { get; set; }

    /// <summary>Decayed weighted engagement, valid as of <see cref="PopularityAsOf"/>.</summary>
    [Id(8)]
    public double Popularity { get; set; }

    [Id(9)]
    public DateTimeOffset PopularityAsOf { get; set; }

    [Id(10)]
    public DateTimeOffset CreatedAt { get; set; }

    [Id(11)]
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Dedupe keys of recently recorded activities, oldest first.</summary>
    [Id(12)]
    public List<string> EventKeys { get; set; } = [];

    [NonSerialized]
    private HashSet<string>? _eventKeyIndex;

    internal HashSet<string> EventKeyIndex => _eventKeyIndex ??= new HashSet<string>(EventKeys, StringComparer.Ordinal);
}
