using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecSys.Silo.Extensions;
using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>The process itself: bad arguments and bad data end with exit code 2 and a message, not a crash.</summary>
public sealed class StartupTests
{
    [Theory]
    [InlineData("--storage", "mongo")]
    [InlineData("--storage", "postgres")]
    [InlineData("--data", "parquet:/tmp")]
    [InlineData("--data", "movielens-100k:/no/such/folder")]
    [InlineData("--role", "observer")]
    [InlineData("--silo-port", "70000")]
    [InlineData("--colour", "blue")]
    [InlineData("--silo-port", "abc")]
    [InlineData("--RecSys:Serving:PopularityHalfLife", "soon")]
    [InlineData("--RecSys:Serving:SeenItems", "10")]
    [InlineData("--advertised-address", "somewhere")]
    [InlineData("--train", "gru4rec,nosuchmodel")]
    public async Task Bad_arguments_exit_with_code_2(string option, string value)
    {
        var exitCode = await RecSysApi.RunAsync([option, value, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, exitCode);
    }

    [Fact]
    public async Task A_malformed_connection_string_exits_with_code_2()
    {
        var exitCode = await RecSysApi.RunAsync(["--storage", "postgres", "--connection", "Foo=bar", "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, exitCode);
    }

    [Fact]
    public async Task An_unreachable_database_exits_with_code_1_instead_of_crashing()
    {
        var nobodyListens = FreePort.Next();

        var exitCode = await RecSysApi.RunAsync(
        [
            "--storage", "postgres",
            "--connection", $"Host=127.0.0.1;Port={nobodyListens};Database=recsys;Username=recsys;Timeout=3",
            "--urls", "http://127.0.0.1:0",
            "--silo-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
        ]);

        Assert.Equal(1, exitCode);
    }

    [Fact]
    public async Task A_malformed_data_file_stops_the_host_with_code_2()
    {
        var folder = Directory.CreateTempSubdirectory("recsys-bad-ml-").FullName;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(folder, "u.data"), "1\t1\t5\t100\n1\t2\n");

            var run = RecSysApi.RunAsync(
            [
                "--data", "movielens-100k:" + folder,
                "--urls", "http://127.0.0.1:0",
                "--silo-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                "--gateway-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                "--cluster-id", "bad-data-" + Guid.NewGuid().ToString("N")[..8],
            ]);

            Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(60))));
            Assert.Equal(2, await run);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Orleans_failure_detection_and_timeouts_bind_from_RecSys_Orleans_keys()
    {
        string[] args =
        [
            "--RecSys:Orleans:ClusterMembership:ProbeTimeout=00:00:02",
            "--RecSys:Orleans:ClusterMembership:NumMissedProbesLimit=2",
            "--RecSys:Orleans:Messaging:ResponseTimeout=00:00:07",
            "--RecSys:Orleans:Gateway:GatewayListRefreshPeriod=00:00:05",
        ];

        // Built, not started: only the options are read.
        var silo = WebApplication.CreateBuilder(args);
        silo.AddRecSysCommandLine(args).AddRecSysSilo();
        using var siloApp = silo.Build();
        var membership = siloApp.Services.GetRequiredService<IOptions<Orleans.Configuration.ClusterMembershipOptions>>().Value;
        Assert.Equal(TimeSpan.FromSeconds(2), membership.ProbeTimeout);
        Assert.Equal(2, membership.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromSeconds(7), siloApp.Services.GetRequiredService<IOptions<Orleans.Configuration.SiloMessagingOptions>>().Value.ResponseTimeout);

        var client = WebApplication.CreateBuilder(args);
        client.AddRecSysCommandLine(args).AddRecSysClient();
        using var clientApp = client.Build();
        Assert.Equal(TimeSpan.FromSeconds(7), clientApp.Services.GetRequiredService<IOptions<Orleans.Configuration.ClientMessagingOptions>>().Value.ResponseTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), clientApp.Services.GetRequiredService<IOptions<Orleans.Configuration.GatewayOptions>>().Value.GatewayListRefreshPeriod);
    }
}
