using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using RecSys.Api;
using RecSys.Models.Data;
using RecSys.Silo.Options;
using RecSys.Silo.StartupTasks;

namespace RecSys.Cli.Replay;

/// <summary>
/// The real service in this process for one served evaluation: the Api with its co-hosted silo (in-memory storage,
/// its own cluster id and ports, loopback HTTP on a free port) serving a dataset already in memory (a split's training
/// part), configured by the same settings a user passes to <c>dotnet run --project src/Api</c>. It trains its model
/// version at start-up like the service does, unless the artifacts folder already holds one for that data.
/// </summary>
internal sealed class ReplayHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ReplayHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>The Api's base address.</summary>
    public Uri Address { get; }

    /// <summary>
    /// Starts the service on <paramref name="dataset"/> with <paramref name="settings"/> (configuration keys such as
    /// RecSys:Serving:Ranker, or the Api's switch names without dashes, e.g. "train") and waits until it serves: the
    /// catalogue seeded and, when it has models to train or find, their version answering.
    /// </summary>
    public static async Task<ReplayHost> StartAsync(InteractionDataset dataset, IReadOnlyDictionary<string, string> settings, string artifacts, TimeSpan readyTimeout, TextWriter log, CancellationToken cancellationToken)
    {
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--silo-port", FreePort().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", FreePort().ToString(CultureInfo.InvariantCulture),
            "--cluster-id", "replay-" + Guid.NewGuid().ToString("N")[..8],
            "--artifacts", artifacts,
            "--RecSys:Banner=false",
            // Warnings of a host that lives for one evaluation (no server GC, shutdown order of in-memory storage) are
            // noise beside the report; errors of our own code still show.
            "--Logging:LogLevel:Default=Error",
            "--Logging:LogLevel:Orleans=Critical",
            "--Logging:LogLevel:Polly=Critical",
        };
        foreach (var (key, value) in settings)
        {
            args.Add("--" + ConfigurationKey(key) + "=" + value);
        }

        WebApplication app;
        try
        {
            app = RecSysApi.Build([.. args], builder => builder.Services.AddSingleton(DatasetSpec.InMemory(dataset)));
        }
        catch (RecSysConfigurationException ex)
        {
            throw new UsageException(ex.Message);
        }
        await app.StartAsync(cancellationToken);
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var host = new ReplayHost(app, address);
        try
        {
            await host.WaitUntilServingAsync(readyTimeout, log, cancellationToken);
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
        return host;
    }

    /// <summary>A configuration key for a setting: a path as given, or the Api switch it names ("train").</summary>
    public static string ConfigurationKey(string key) =>
        key.Contains(':', StringComparison.Ordinal) ? key
        : CommandLine.SwitchMappings.TryGetValue("--" + key.TrimStart('-'), out var path) ? path
        : throw new UsageException($"setting '{key}' is neither a configuration path (RecSys:Serving:...) nor one of the Api's switches ({string.Join(", ", CommandLine.SwitchMappings.Keys.Select(k => k[2..]))})");

    private async Task WaitUntilServingAsync(TimeSpan timeout, TextWriter log, CancellationToken cancellationToken)
    {
        var readiness = _app.Services.GetRequiredService<ServingReadiness>();
        var watch = Stopwatch.StartNew();
        var lastStatus = "";
        while (!readiness.IsReady || !readiness.ModelStatusKnown)
        {
            if (readiness.Failure is { } failure)
            {
                throw new UsageException($"the service could not start on the training part: {failure.Message}");
            }
            var status = readiness.IsReady ? "serving ItemCF and popularity; model version " + readiness.ModelStatus : readiness.Status;
            if (status != lastStatus)
            {
                log.WriteLine($"host: {status} ({watch.Elapsed.TotalSeconds:0}s)");
                lastStatus = status;
            }
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"the service was not ready within {timeout.TotalMinutes:0.#} min (last status: {status})");
            }
            await Task.Delay(200, cancellationToken);
        }
        if (readiness.ModelStatus.StartsWith("failed", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the service could not train or activate a model version: " + readiness.ModelStatus[8..]);
        }
        if (readiness.ModelStatus.StartsWith("active ", StringComparison.Ordinal))
        {
            // Activation returns once every silo has the version; the silo switches on its next poll of the registry.
            var version = readiness.ModelStatus["active ".Length..];
            var models = _app.Services.GetRequiredService<Grains.Serving.ServingModels>();
            while (models.Current?.Version != version)
            {
                if (watch.Elapsed > timeout)
                {
                    throw new TimeoutException($"model version {version} was activated but not served within {timeout.TotalMinutes:0.#} min");
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        log.WriteLine($"host: serving {(readiness.ModelStatus == "none" ? "ItemCF and popularity (no model version)" : "model version " + readiness.ModelStatus["active ".Length..])} ({watch.Elapsed.TotalSeconds:0}s)");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _app.StopAsync(timeout.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
