using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecSys.Silo;
using RecSys.Silo.StartupTasks;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>A standalone RecSys silo (the Silo project's own host) on PostgreSQL, started in this process.</summary>
internal sealed class SiloHost : IAsyncDisposable
{
    public const string TestData = "synthetic:users=300,items=120,seed=8";

    private readonly WebApplication _app;

    private SiloHost(WebApplication app, int siloPort, int gatewayPort)
    {
        _app = app;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public IGrainFactory Grains => _app.Services.GetRequiredService<IGrainFactory>();

    public static async Task<SiloHost> StartAsync(string connectionString, string clusterId)
    {
        var siloPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var app = SiloApplication.Build(
        [
            "--storage", "postgres",
            "--connection", connectionString,
            "--cluster-id", clusterId,
            "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
            "--gateway-port", gatewayPort.ToString(CultureInfo.InvariantCulture),
            "--data", TestData,
            "--train", "none",
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        var readiness = app.Services.GetRequiredService<ServingReadiness>();
        await Eventually.TrueAsync(() => Task.FromResult(readiness.IsReady || readiness.Failure is not null), TimeSpan.FromSeconds(60), "silo ready");
        Assert.Null(readiness.Failure);
        return new SiloHost(app, siloPort, gatewayPort);
    }

    public async Task StopAsync() => await _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
