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
    /// The item, created without metadata (and registered in the catalogue) if it did not exist, so a flag can be
    /// set on an id before its first event.
    /// </summary>
    [Alias("GetOrCreate")]
    Task<ItemDetails> GetOrCreateAsync();

    /// <summary>
    /// Creates the item if needed and sets metadata from a dataset only when the item has none, so a restart
    /// never overwrites edits made through the API. Null metadata (the dataset has none) only creates the item.
    /// The caller registers seeded ids with the catalogue in bulk.
    /// </summary>
    [Alias("Seed")]
    Task SeedAsync(ItemMetadata? metadata);

    /// <summary>
    /// Adds interactions to the counters, creating the item (without metadata) if needed. Activities whose
    /// <see cref="ItemActivity.DedupeKey"/> was recorded before are skipped, so a retried batch counts once.
    /// The caller registers new ids with the catalogue (one call per batch, not per item).
    /// </summary>
    /// <returns>The activities that were new.</returns>
    [Alias("Record")]
    Task<ImmutableArray<ItemActivity>> RecordAsync(ImmutableArray<ItemActivity> activity);
}
