using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Grains.Tests;

/// <summary>
/// Two in-process silos with memory storage and the ItemCF model of a small synthetic dataset, seeded like the
/// real host seeds it. Shared by the tests of the "cluster" collection.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public const int RecentEvents = 50;
    public const int SeenItems = 80;

    public InteractionDataset Dataset { get; } = SyntheticDataset.Generate(new SyntheticOptions { Users = 400, Items = 150, Seed = 5 });

    public ItemCfModel ItemCf { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        ItemCf = ItemCfModel.Build(Dataset);
        var models = new ServingModels();
        models.Activate(new ServingModelSet(ItemCf, Dataset.Name, Dataset.Fingerprint, DateTimeOffset.UtcNow));

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Users);
            silo.AddMemoryGrainStorage(StorageNames.Items);
            silo.AddMemoryGrainStorage(StorageNames.Aggregates);
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Services.AddSingleton(models);
            host.Services.AddSingleton<RankingBatcher>();
            host.Services.AddSingleton<DatasetHistories>();
            host.Services.AddBlockedItems();
            host.Services.AddSingleton(TimeProvider.System);
            host.Services.Configure<ServingOptions>(o =>
            {
                o.RecentEvents = RecentEvents;
                o.SeenItems = SeenItems;
                o.PopularityCacheDuration = TimeSpan.Zero; // tests read their own writes
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await CatalogSeeder.SeedAsync(Client, Dataset, PopularityModel.Build(Dataset), CancellationToken.None);
    }

    public async Task DisposeAsync() => await Cluster.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
