using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Grains.Tests;

public sealed class ServingModelsTests
{
    private static readonly InteractionDataset Dataset = SyntheticDataset.Generate(new SyntheticOptions { Users = 50, Items = 30, Seed = 2 });

    [Fact]
    public async Task A_version_that_failed_to_load_is_loaded_again_by_the_next_call_and_then_cached()
    {
        var itemCf = ItemCfModel.Build(Dataset);
        var calls = 0;
        var models = new ServingModels();
        models.UseLoader(version =>
        {
            if (Interlocked.Increment(ref calls) == 1)
            {
                throw new IOException("folder still being written");
            }
            return new ServingModelSet(version, itemCf, [], null, Dataset.Name, Dataset.Fingerprint, DateTimeOffset.UtcNow);
        });

        await Assert.ThrowsAsync<IOException>(() => models.GetAsync("v7"));
        Assert.False(models.Holds("v7"));
        var loaded = await models.GetAsync("v7");
        var again = await models.GetAsync("v7");

        Assert.Equal("v7", loaded.Version);
        Assert.Same(loaded, again);
        Assert.Equal(2, calls);
        Assert.True(models.Holds("v7"));
    }
}
