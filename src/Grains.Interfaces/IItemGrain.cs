using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// One catalogue item: metadata and decayed interaction counters. Key = item id (string).
/// An item exists once it was described (<see cref="UpsertAsync"/>, <see cref="SeedAsync"/>) or interacted with.
/// </summary>
[Alias("recsys.IItemGrain")]
public interface IItemGrain : IGrainWithStringKey
{
    /// <summary>The item, or null if it does not exist.</summary>
    [Alias("Get")]
    Task<ItemDetails?> GetAsync();

    /// <summary>Creates the item or replaces its metadata.</summary>
    [Alias("Upsert")]
    Task<ItemDetails> UpsertAsync(ItemMetadata metadata);

    /// <summary>
    /// Sets metadata from a dataset only when the item has none, so a restart never overwrites edits made
    /// through the API.
    /// </summary>
    [Alias("Seed")]
    Task SeedAsync(ItemMetadata metadata);

    /// <summary>Adds interactions to the counters, creating the item (without metadata) if needed.</summary>
    [Alias("Record")]
    Task RecordAsync(ImmutableArray<ItemActivity> activity);
}
