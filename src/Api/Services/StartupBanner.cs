using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using RecSys.Silo.StartupTasks;

namespace RecSys.Api.Services;

/// <summary>Once the server listens and the models are ready, prints the URL and two commands to try.</summary>
internal sealed class StartupBanner(IServer server, ServingReadiness readiness, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        using var registration = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        await started.Task.WaitAsync(stoppingToken);

        var url = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (url is null)
        {
            return; // in-memory test server: nobody to tell
        }
        Console.WriteLine($"RecSys is listening on {url} (loading: {readiness.Status})");
        while (!readiness.IsReady && readiness.Failure is null)
        {
            await Task.Delay(100, stoppingToken);
        }
        if (readiness.Failure is not null)
        {
            return;
        }
        Console.WriteLine($"""
            RecSys is ready on {url}: {readiness.Status}
            Try:
              curl -s -X POST {url}/v1/events -H 'Content-Type: application/json' -d '[{"{"}"userId":"alice","itemId":"i1","type":"click"{"}"},{"{"}"userId":"alice","itemId":"i2","type":"like"{"}"}]'
              curl -s '{url}/v1/users/alice/recommendations?count=10'
            API description: {url}/openapi/v1.json   metrics: {url}/metrics
            """);
    }
}
