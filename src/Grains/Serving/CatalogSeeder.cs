using System.Collections.Immutable;
using RecSys.Grains.Contracts;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Grains.Serving;

/// <summary>
/// Puts a dataset's catalogue into the cluster: the index, each item's metadata and the popularity baseline.
/// Skipped when the cluster already holds this exact dataset (same fingerprint), and item metadata is only set
/// where none exists, so a restart never overwrites edits made through the API.
/// </summary>
public static class CatalogSeeder
{
    private const int Parallelism = 32;

    /// <param name="once">More work to do once per dataset, before the catalogue is marked as seeded (e.g. writing the
    /// dataset's interactions to the event log); an interrupted seeding does it again, so it must be idempotent.</param>
    /// <returns>True if seeding ran, false if the cluster already held the dataset.</returns>
    public static async Task<bool> SeedAsync(IGrainFactory grains, InteractionDataset dataset, PopularityModel popularity, CancellationToken cancellationToken, Func<CancellationToken, Task>? once = null)
    {
        var catalog = grains.GetGrain<ICatalogGrain>(CatalogGrainKeys.Default);
        if (await catalog.GetSeededFingerprintAsync() == dataset.Fingerprint)
        {
            return false;
        }
        if (once is not null)
        {
            await once(cancellationToken);
        }

        await catalog.RegisterAsync([.. dataset.Items.Ids]);
        await Parallel.ForEachAsync(
            dataset.ItemInfos,
            new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
            async (item, _) => await grains.GetGrain<IItemGrain>(item.Id).SeedAsync(
                // A dataset without a catalogue (e.g. MovieLens without u.item) knows only ids: no metadata.
                string.IsNullOrWhiteSpace(item.Title) && item.Categories.Count == 0 && item.Tags.Count == 0
                    ? null
                    : new ItemMetadata(item.Title, [.. item.Categories], [.. item.Tags])));

        var baseline = ImmutableArray.CreateBuilder<PopularItem>();
        for (var i = 0; i < dataset.ItemCount; i++)
        {
            if (popularity.Scores[i] > 0)
            {
                baseline.Add(new PopularItem(dataset.Items[i], popularity.Scores[i]));
            }
        }
        await grains.GetGrain<IPopularityGrain>(CatalogGrainKeys.Default).SeedBaselineAsync(dataset.Fingerprint, baseline.ToImmutable());

        // Last, so an interrupted seeding is redone on the next start.
        await catalog.MarkSeededAsync(dataset.Fingerprint);
        return true;
    }
}
