using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecSys.Grains;
using RecSys.Grains.Serving;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Recall;
using RecSys.Silo.Persistence;

namespace RecSys.Silo.StartupTasks;

/// <summary>
/// After the silo starts: loads the configured dataset, builds ItemCF and popularity and serves with them at once
/// (ready within seconds), and seeds item grains, the catalogue index and the popularity baseline unless the
/// cluster already holds that exact dataset. Then makes sure the cluster has a model version: the registry's active
/// one if any, else the newest version on disk trained on this dataset, else one silo (holding the registry's
/// bootstrap lease) trains the configured small models into a new version and activates it; the
/// <see cref="ModelVersionWatcher"/> of every silo then loads and swaps it in.
/// </summary>
internal sealed partial class ModelBootstrapper(
    DatasetSpec spec,
    ServingModels models,
    DatasetHistories datasetHistories,
    ServingReadiness readiness,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<ServingOptions> serving,
    IOptions<ModelLifecycleOptions> lifecycle,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<ModelBootstrapper> logger,
    IServiceProvider services) : BackgroundService
{
    private static readonly TimeSpan BootstrapLease = TimeSpan.FromMinutes(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        InteractionDataset dataset;
        try
        {
            var watch = Stopwatch.StartNew();
            readiness.Report($"loading {spec}");
            dataset = await Task.Run(() => spec.Load(), stoppingToken);
            LogLoaded(logger, dataset.Name, dataset.UserCount, dataset.ItemCount, dataset.Interactions.Length, watch.ElapsedMilliseconds);
            // The dataset's users are live from now on: each user grain starts from its dataset history.
            datasetHistories.Use(dataset);

            readiness.Report("building models");
            var itemCf = await Task.Run(() => ItemCfModel.Build(dataset), stoppingToken);
            var sessionKnn = serving.Value.ChannelList.Contains(ChannelNames.SessionKnn)
                ? await Task.Run(() => LocalRecallData.BuildSessionKnn(dataset), stoppingToken)
                : null;
            var popularity = PopularityModel.Build(dataset);
            var loader = new ServingModelLoader(lifecycle.Value.Artifacts, itemCf, dataset, serving.Value, clock, sessionKnn);
            models.UseLoader(loader.Load);
            if (models.Current is null)
            {
                models.Activate(new ServingModelSet(itemCf, dataset.Name, dataset.Fingerprint, clock.GetUtcNow(), sessionKnn, dataset.Users));
            }
            LogBuilt(logger, watch.ElapsedMilliseconds);

            readiness.Report("seeding catalogue");
            // In PostgreSQL mode the dataset's interactions join the event log once, as its users' history.
            var eventLog = services.GetService<DatasetEventLog>();
            var seeded = await CatalogSeeder.SeedAsync(grains, dataset, popularity, stoppingToken, eventLog is null ? null : token => eventLog.WriteAsync(dataset, token));
            readiness.MarkReady($"serving {dataset.Name}");
            LogReady(logger, dataset.Name, seeded, watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // Serving without models would answer wrongly; stop the host and let Program report why. Stopping
            // while other services (Kestrel) are still starting would abort their start-up with an exception, so
            // stop once the application has started (immediately if it already has).
            readiness.MarkFailed(ex);
            readiness.ReportModels("failed: " + ex.Message);
            LogFailed(logger, ex, spec.ToString());
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
            return;
        }

        try
        {
            await EnsureVersionAsync(dataset, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // ItemCF and popularity keep serving; a version can still be trained and activated by hand.
            readiness.ReportModels("failed: " + ex.Message);
            LogVersionFailed(logger, ex);
        }
    }

    private async Task EnsureVersionAsync(InteractionDataset dataset, CancellationToken stoppingToken)
    {
        var registry = grains.GetGrain<IModelRegistryGrain>(0);
        var root = lifecycle.Value.Artifacts;
        var name = silo.SiloAddress.ToParsableString();
        while (!stoppingToken.IsCancellationRequested)
        {
            var status = await registry.GetStatusAsync();
            if (status.Active is not null || status.Pending is not null)
            {
                readiness.ReportModels("active " + (status.Active ?? status.Pending));
                return;
            }
            var existing = ArtifactVersions.List(root).FirstOrDefault(v => v.DataFingerprint == dataset.Fingerprint);
            if (existing is not null)
            {
                LogActivating(logger, existing.Name, "found on disk");
                await registry.ActivateAsync(existing.Name);
                readiness.ReportModels("active " + existing.Name);
                return;
            }
            var train = lifecycle.Value.TrainModels;
            if (train.Count == 0)
            {
                LogNoVersion(logger, root);
                readiness.ReportModels("none");
                return;
            }
            if (await registry.ClaimBootstrapAsync(name, BootstrapLease))
            {
                var version = await TrainAsync(dataset, train, root, stoppingToken);
                LogActivating(logger, version, "trained at start-up");
                await registry.ActivateAsync(version);
                readiness.ReportModels("active " + version);
                return;
            }
            // Another silo is training; its activation reaches this silo through the watcher.
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
        }
    }

    /// <summary>Trains into a hidden folder and renames it when complete, so no silo ever sees half a version.</summary>
    private async Task<string> TrainAsync(InteractionDataset dataset, IReadOnlyList<string> train, string root, CancellationToken stoppingToken)
    {
        var watch = Stopwatch.StartNew();
        LogTraining(logger, string.Join(", ", train), dataset.Name);
        var version = await Task.Run(
            () => ArtifactVersions.TrainNew(root, clock.GetUtcNow(), train, lifecycle.Value.ParseTrainSettings(), dataset, serving.Value.Device, serving.Value.Pipeline, cancellation: stoppingToken),
            stoppingToken);
        LogTrained(logger, version, watch.ElapsedMilliseconds);
        return version;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Dataset}: {Users} users, {Items} items, {Interactions} interactions ({Elapsed} ms)")]
    private static partial void LogLoaded(ILogger logger, string dataset, int users, int items, int interactions, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built ItemCF and popularity ({Elapsed} ms since start)")]
    private static partial void LogBuilt(ILogger logger, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Dataset} (catalogue seeded now: {Seeded}; {Elapsed} ms since start)")]
    private static partial void LogReady(ILogger logger, string dataset, bool seeded, long elapsed);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not load or seed {Dataset}; stopping")]
    private static partial void LogFailed(ILogger logger, Exception exception, string dataset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training {Models} on {Dataset} (no model version for it yet)")]
    private static partial void LogTraining(ILogger logger, string models, string dataset);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trained model version {Version} in {Elapsed} ms")]
    private static partial void LogTrained(ILogger logger, string version, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activating model version {Version} ({Why})")]
    private static partial void LogActivating(ILogger logger, string version, string why);

    [LoggerMessage(Level = LogLevel.Information, Message = "No model version under {Folder} and none to train: serving ItemCF and popularity")]
    private static partial void LogNoVersion(ILogger logger, string folder);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not train or activate a model version; serving ItemCF and popularity")]
    private static partial void LogVersionFailed(ILogger logger, Exception exception);
}
