using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace RecSys.Grains.Serving;

/// <summary>
/// Keeps this silo's <see cref="BlockedItems"/> in step with the registry: one load when the silo becomes active,
/// then a poll every <see cref="ServingOptions.BlockedItemsRefreshInterval"/> (a version number when nothing
/// changed, every blocked id when something did). Polling rather than a broadcast, like model versions: a silo that
/// joins or restarts catches up by itself, and the cost is one small call per silo per interval, never per request.
/// </summary>
public sealed partial class BlockedItemsRefresher(
    BlockedItems blocked,
    IGrainFactory grains,
    IOptions<ServingOptions> options,
    ILogger<BlockedItemsRefresher> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    // How long start-up waits for the first copy before going on (the poll then catches up).
    private static readonly TimeSpan FirstLoadTimeout = TimeSpan.FromSeconds(10);

    private readonly CancellationTokenSource _stopping = new();
    private Task? _polling;
    private bool _failing;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(BlockedItemsRefresher), ServiceLifecycleStage.Active, StartAsync, StopAsync);

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        // Before the silo serves, so a silo that restarts does not recommend items blocked while it was down.
        await RefreshAsync(FirstLoadTimeout, cancellationToken);
        _polling = Task.Run(() => PollAsync(_stopping.Token), CancellationToken.None);
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_polling is not null)
        {
            await _polling.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task PollAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.BlockedItemsRefreshInterval;
        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // A poll that hangs (its silo died) must not hold up the next ones for the whole response timeout.
                await RefreshAsync(interval * 5, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var refresh = blocked.RefreshAsync(grains);
            await refresh.WaitAsync(timeout, cancellationToken);
            if (_failing)
            {
                _failing = false;
                LogRecovered(logger, blocked.Current.Version);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The registry may be moving between silos: keep the copy we have and try again next tick.
            if (!_failing)
            {
                _failing = true;
                LogRefreshFailed(logger, ex, blocked.Current.Version);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the blocked items (serving with version {Version}); retrying every interval")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception, long version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Blocked items refreshed again (version {Version})")]
    private static partial void LogRecovered(ILogger logger, long version);
}

/// <summary>Registration of the per-silo blocked-items copy.</summary>
public static class BlockedItemsServiceCollectionExtensions
{
    /// <summary>Adds this silo's <see cref="BlockedItems"/> and the <see cref="BlockedItemsRefresher"/> that keeps it current.</summary>
    public static IServiceCollection AddBlockedItems(this IServiceCollection services)
    {
        services.AddSingleton<BlockedItems>();
        services.AddSingleton<BlockedItemsRefresher>();
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<BlockedItemsRefresher>());
        return services;
    }
}
