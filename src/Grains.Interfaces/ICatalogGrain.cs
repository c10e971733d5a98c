using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// Index of every item id, in registration order, for listing and paging. Singleton: key = 0
/// (<see cref="CatalogGrainKeys.Default"/>).
/// </summary>
[Alias("recsys.ICatalogGrain")]
public interface ICatalogGrain : IGrainWithIntegerKey
{
    /// <summary>Adds ids not yet known; persisted before returning.</summary>
    [Alias("Register")]
    Task RegisterAsync(ImmutableArray<string> itemIds);

    /// <summary>A page of ids in registration order.</summary>
    [Alias("List")]
    Task<CatalogPage> ListAsync(int offset, int limit);

    /// <summary>Fingerprint of the dataset last seeded into the items, or null.</summary>
    [Alias("GetSeededFingerprint")]
    Task<string?> GetSeededFingerprintAsync();

    /// <summary>Records that the dataset with this fingerprint has been seeded.</summary>
    [Alias("MarkSeeded")]
    Task MarkSeededAsync(string fingerprint);
}

/// <summary>Keys of singleton grains.</summary>
public static class CatalogGrainKeys
{
    public const long Default = 0;
}
