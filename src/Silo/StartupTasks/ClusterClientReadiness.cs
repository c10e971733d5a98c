using Microsoft.Extensions.Hosting;

namespace RecSys.Silo.StartupTasks;

/// <summary>
/// Readiness of an Api running as an Orleans client: ready once the client has connected (this service starts
/// after the Orleans client's own hosted service), unready while no gateway is reachable.
/// </summary>
internal sealed class ClusterClientReadiness(ServingReadiness readiness) : IHostedService, IClusterConnectionStatusObserver
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        readiness.MarkReady("connected to the cluster as an Orleans client");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfConnectedGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways > 0)
        {
            readiness.MarkReady($"connected to {currentNumberOfGateways} gateway(s)");
        }
        else
        {
            readiness.MarkUnready("no gateway reachable");
        }
    }

    public void NotifyClusterConnectionLost() => readiness.MarkUnready("lost the connection to the cluster");
}
