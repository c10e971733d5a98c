using Microsoft.Extensions.DependencyInjection;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.TestSupport;

namespace RecSys.Grains.Tests;

/// <summary>The blocked-items registry and the silos' copies of it. Ids are not in the dataset, so other tests of the collection are unaffected.</summary>
[Collection(ClusterCollection.Name)]
public sealed class BlockedItemsRegistryTests(ClusterFixture fixture)
{
    private IBlockedItemsGrain Registry => fixture.Client.GetGrain<IBlockedItemsGrain>(CatalogGrainKeys.Default);

    private IEnumerable<BlockedItemSet> SiloCopies =>
        fixture.Cluster.Silos.Select(s => s.ServiceProvider.GetRequiredService<BlockedItems>().Current);

    [Fact]
    public async Task Blocking_is_persisted_versioned_and_listed_and_unblocking_removes_it()
    {
        var first = "flag-a-" + Guid.NewGuid().ToString("N")[..8];
        var second = "flag-b-" + Guid.NewGuid().ToString("N")[..8];
        var start = (await Registry.GetSnapshotIfChangedAsync(-1))!;

        var flags = await Registry.SetAsync(first, true, "out of stock");
        Assert.True(flags.Blocked);
        Assert.Equal("out of stock", flags.Reason);
        Assert.NotNull(flags.BlockedAt);
        var blockedOne = (await Registry.GetSnapshotIfChangedAsync(start.Version))!;
        Assert.True(blockedOne.Version > start.Version);
        Assert.Contains(first, blockedOne.ItemIds);

        // A new reason is kept, the time of the block too, and the blocked set (so its version) is unchanged.
        var renamed = await Registry.SetAsync(first, true, "policy");
        Assert.Equal(new ItemFlags(true, "policy", flags.BlockedAt), renamed);
        Assert.Null(await Registry.GetSnapshotIfChangedAsync(blockedOne.Version));

        await Registry.SetAsync(second, true, null);
        var page = await Registry.ListAsync(0, 10_000);
        var listed = page.Items.Select(i => i.ItemId).ToList();
        Assert.Equal(page.Total, page.Items.Length);
        Assert.True(listed.IndexOf(first) >= 0 && listed.IndexOf(first) < listed.IndexOf(second), "oldest block first");
        ItemFlags[] expected = [new ItemFlags(true, "policy", flags.BlockedAt), await Registry.GetAsync(second), ItemFlags.None];
        Assert.Equal(expected, (await Registry.GetManyAsync([first, second, "never-blocked"])).ToArray());

        // A fresh activation reads the flags back from storage.
        await fixture.Cluster.DeactivateAsync(Registry.GetGrainId());
        Assert.Equal(renamed, await Registry.GetAsync(first));

        var beforeUnblock = (await Registry.GetSnapshotIfChangedAsync(-1))!;
        Assert.Equal(ItemFlags.None, await Registry.SetAsync(first, false, null));
        Assert.Equal(ItemFlags.None, await Registry.GetAsync(first));
        var unblocked = (await Registry.GetSnapshotIfChangedAsync(beforeUnblock.Version))!;
        Assert.DoesNotContain(first, unblocked.ItemIds);
        Assert.Contains(second, unblocked.ItemIds);
        Assert.Equal(ItemFlags.None, await Registry.SetAsync(first, false, null));
        Assert.Null(await Registry.GetSnapshotIfChangedAsync(unblocked.Version));

        await Registry.SetAsync(second, false, null);
    }

    [Fact]
    public async Task The_registrys_silo_has_a_change_at_once_and_every_silo_within_the_refresh_interval()
    {
        var id = "flag-c-" + Guid.NewGuid().ToString("N")[..8];
        try
        {
            await Registry.SetAsync(id, true, "withdrawn");
            // No poll has run yet: the registry updated its own silo's copy before answering.
            Assert.Contains(SiloCopies, copy => copy.Contains(id));
            await Eventually.TrueAsync(() => Task.FromResult(SiloCopies.All(c => c.Contains(id))), TimeSpan.FromSeconds(10), "every silo sees the block");

            await Registry.SetAsync(id, false, null);
            Assert.Contains(SiloCopies, copy => !copy.Contains(id));
            await Eventually.TrueAsync(() => Task.FromResult(SiloCopies.All(c => !c.Contains(id))), TimeSpan.FromSeconds(10), "every silo sees the unblock");
        }
        finally
        {
            await Registry.SetAsync(id, false, null);
        }
    }
}
