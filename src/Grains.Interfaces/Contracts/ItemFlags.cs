using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>The flags of one item: whether it is blocked from every recommendation, and why.</summary>
/// <param name="Blocked">True: the item is never recommended (it stays in the catalogue and still counts events).</param>
/// <param name="Reason">Free text given when it was blocked (e.g. "out of stock"); null when not blocked or none was given.</param>
/// <param name="BlockedAt">When it was blocked (kept when only the reason changes); null when not blocked.</param>
[GenerateSerializer, Immutable, Alias("recsys.ItemFlags")]
public sealed record ItemFlags(
    [property: Id(0)] bool Blocked,
    [property: Id(1)] string? Reason = null,
    [property: Id(2)] DateTimeOffset? BlockedAt = null)
{
    /// <summary>An item nobody flagged.</summary>
    public static readonly ItemFlags None = new(false);
}

/// <summary>One blocked item as the registry lists it.</summary>
[GenerateSerializer, Immutable, Alias("recsys.BlockedItem")]
public sealed record BlockedItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string? Reason,
    [property: Id(2)] DateTimeOffset BlockedAt);

/// <summary>A page of blocked items, oldest block first.</summary>
/// <param name="Total">Blocked items in all.</param>
[GenerateSerializer, Immutable, Alias("recsys.BlockedItemsPage")]
public sealed record BlockedItemsPage(
    [property: Id(0)] int Total,
    [property: Id(1)] ImmutableArray<BlockedItem> Items);

/// <summary>Every blocked item id as of one version of the registry: what the serving path filters by.</summary>
/// <param name="Version">
/// Increases whenever the set of blocked ids changes (a changed reason alone does not count); time-based, so not reused
/// even by a registry whose state was lost.
/// </param>
/// <param name="ItemIds">The blocked ids, in no particular order.</param>
[GenerateSerializer, Immutable, Alias("recsys.BlockedItemsSnapshot")]
public sealed record BlockedItemsSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<string> ItemIds);
