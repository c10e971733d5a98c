using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.TestingHost;
using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Recall;
using RecSys.TestSupport;

namespace RecSys.Grains.Tests;

/// <summary>
/// Two in-process silos serving trained models (GRU4Rec, YouTube-DNN, DIN: version "v1" of
/// <see cref="TrainedModels"/>), each silo with its own loaded copy, as real silos have. Shared by the tests of
/// the "serving" collection.
/// </summary>
public sealed class ServingClusterFixture : IAsyncLifetime
{
    public const int Shards = 3;

    public InteractionDataset Dataset { get; } = DatasetSpec.Parse(RecSysApiFactory.TestData).Load();

    public string Artifacts { get; private set; } = null!;

    /// <summary>The models as the tests load them (the same files the silos load).</summary>
    public ServingModelSet Models { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async Task InitializeAsync()
    {
        Artifacts = TrainedModels.Folder();
        var itemCf = ItemCfModel.Build(Dataset);
        var sessionKnn = LocalRecallData.BuildSessionKnn(Dataset);
        var serving = new ServingOptions { RecallShards = Shards, PopularityCacheDuration = TimeSpan.Zero, ChannelTimeout = TimeSpan.FromSeconds(5), RankTimeout = TimeSpan.FromSeconds(5) };
        Models = new ServingModelLoader(Artifacts, itemCf, Dataset, serving, TimeProvider.System, sessionKnn).Load("v1");

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddMemoryGrainStorage(StorageNames.Users);
            silo.AddMemoryGrainStorage(StorageNames.Items);
            silo.AddMemoryGrainStorage(StorageNames.Aggregates);
        });
        builder.ConfigureSiloHost((_, host) =>
        {
            host.Services.AddSingleton(TimeProvider.System);
            host.Services.AddSingleton(Options.Create(serving));
            host.Services.AddSingleton(Options.Create(new ModelLifecycleOptions { Artifacts = Artifacts }));
            host.Services.AddSingleton<RankingBatcher>();
            host.Services.AddSingleton<DatasetHistories>();
            host.Services.AddBlockedItems();
            host.Services.AddSingleton(sp =>
            {
                var models = new ServingModels();
                var loader = new ServingModelLoader(Artifacts, itemCf, Dataset, serving, TimeProvider.System, sessionKnn);
                models.UseLoader(loader.Load);
                models.Activate(loader.Load("v1"));
                return models;
            });
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
        await CatalogSeeder.SeedAsync(Client, Dataset, PopularityModel.Build(Dataset), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        Models.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class ServingCollection : ICollectionFixture<ServingClusterFixture>
{
    public const string Name = "serving";
}
