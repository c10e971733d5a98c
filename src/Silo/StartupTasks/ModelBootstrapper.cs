using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecSys.Grains.Serving;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Silo.StartupTasks;

/// <summary>
/// After the silo starts: loads the configured dataset, builds ItemCF and popularity, activates them on this
/// silo, and seeds item grains, the catalogue index and the popularity baseline, unless the cluster already holds
/// that exact dataset (same fingerprint), so a restart never overwrites metadata edited through the API.
/// </summary>
internal sealed partial class ModelBootstrapper(
    DatasetSpec spec,
    ServingModels models,
    ServingReadiness readiness,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<ModelBootstrapper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var watch = Stopwatch.StartNew();
            readiness.Report($"loading {spec}");
            var dataset = await Task.Run(() => spec.Load(), stoppingToken);
            LogLoaded(logger, dataset.Name, dataset.UserCount, dataset.ItemCount, dataset.Interactions.Length, watch.ElapsedMilliseconds);

            readiness.Report("building models");
            var itemCf = await Task.Run(() => ItemCfModel.Build(dataset), stoppingToken);
            var popularity = PopularityModel.Build(dataset);
            models.Activate(new ServingModelSet(itemCf, dataset.Name, dataset.Fingerprint, clock.GetUtcNow()));
            LogBuilt(logger, watch.ElapsedMilliseconds);

            readiness.Report("seeding catalogue");
            var seeded = await CatalogSeeder.SeedAsync(grains, dataset, popularity, stoppingToken);
            readiness.MarkReady($"serving {dataset.Name}");
            LogReady(logger, dataset.Name, seeded, watch.ElapsedMilliseconds);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Serving without models would answer wrongly; stop the host and let Program report why. Stopping
            // while other services (Kestrel) are still starting would abort their start-up with an exception, so
            // stop once the application has started (immediately if it already has).
            readiness.MarkFailed(ex);
            LogFailed(logger, ex, spec.ToString());
            lifetime.ApplicationStarted.Register(lifetime.StopApplication);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded {Dataset}: {Users} users, {Items} items, {Interactions} interactions ({Elapsed} ms)")]
    private static partial void LogLoaded(ILogger logger, string dataset, int users, int items, int interactions, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Built ItemCF and popularity ({Elapsed} ms since start)")]
    private static partial void LogBuilt(ILogger logger, long elapsed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving {Dataset} (catalogue seeded now: {Seeded}; {Elapsed} ms since start)")]
    private static partial void LogReady(ILogger logger, string dataset, bool seeded, long elapsed);

    [LoggerMessage(Level = LogLevel.Critical, Message = "Could not load or seed {Dataset}; stopping")]
    private static partial void LogFailed(ILogger logger, Exception exception, string dataset);
}
