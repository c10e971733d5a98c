using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// Time-decayed popularity of every item: a baseline from the loaded dataset plus live engagement.
/// Singleton: key = 0.
/// </summary>
[Alias("recsys.IPopularityGrain")]
public interface IPopularityGrain : IGrainWithIntegerKey
{
    /// <summary>Adds live engagement (one call per ingested batch, not per event).</summary>
    [Alias("Record")]
    Task RecordAsync(ImmutableArray<PopularityDelta> deltas);

    /// <summary>
    /// Replaces the dataset baseline when <paramref name="fingerprint"/> differs from the stored one; live
    /// engagement is kept. The scores are taken as valid now (a dataset may be years old) and decay from here.
    /// </summary>
    [Alias("SeedBaseline")]
    Task SeedBaselineAsync(string fingerprint, ImmutableArray<PopularItem> scores);

    /// <summary>The most popular items now, best first.</summary>
    [Alias("GetTop")]
    Task<ImmutableArray<PopularItem>> GetTopAsync(int count);
}
