using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecSys.Grains;
using RecSys.Grains.Serving;

namespace RecSys.Silo.StartupTasks;

/// <summary>
/// Keeps this silo's models in step with the <see cref="IModelRegistryGrain"/>: loads a pending version and reports
/// back (so the registry knows when every silo has it), and swaps the current models when the active version
/// changes. Polling keeps this simple and self-healing: a silo that joins later or restarts catches up on its
/// first poll.
/// </summary>
internal sealed partial class ModelVersionWatcher(
    ServingModels models,
    IGrainFactory grains,
    ILocalSiloDetails silo,
    IOptions<ModelLifecycleOptions> options,
    ILogger<ModelVersionWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Versions are loaded against this silo's dataset (ItemCF, item ids): wait until it is loaded.
        try
        {
            await models.LoaderReady.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var registry = grains.GetGrain<IModelRegistryGrain>(0);
        var name = silo.SiloAddress.ToParsableString();
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                var status = await registry.GetStatusAsync();
                if (status.Pending is { } pending)
                {
                    await LoadAndReportAsync(registry, name, pending);
                }
                if (status.Active is { } active && models.Current?.Version != active)
                {
                    var set = await models.GetAsync(active);
                    models.Activate(set);
                    LogActivated(logger, active);
                    await registry.ReportLoadedAsync(name, active, null);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // The registry may be moving between silos or a version may be unreadable: try again next tick.
                LogPollFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private async Task LoadAndReportAsync(IModelRegistryGrain registry, string name, string version)
    {
        string? error = null;
        try
        {
            await models.GetAsync(version);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            error = ex.Message;
            LogLoadFailed(logger, ex, version);
        }
        await registry.ReportLoadedAsync(name, version, error);
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving model version {Version}")]
    private static partial void LogActivated(ILogger logger, string version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load model version {Version}")]
    private static partial void LogLoadFailed(ILogger logger, Exception exception, string version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Model registry poll failed; retrying")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);
}
