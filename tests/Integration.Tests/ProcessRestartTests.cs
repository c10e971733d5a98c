using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using RecSys.Api.Contracts;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>The acceptance check as an operator would do it: the real process, killed and started again.</summary>
[Trait("Category", "Integration")]
public sealed class ProcessRestartTests
{
    [PostgresFact]
    public async Task Acknowledged_events_survive_killing_the_process_and_starting_it_again()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var httpPort = FreePort.Next();
        string[] args =
        [
            "--storage", "postgres",
            "--connection", database.ConnectionString,
            "--cluster-id", "process-restart",
            "--silo-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--gateway-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
            "--urls", $"http://127.0.0.1:{httpPort}",
            "--data", SiloHost.TestData,
        ];
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") };
        var clicked = new[] { "i11", "i12", "i13", "i14", "i15" };

        using (var first = ApiProcess.Start(args))
        {
            await first.WaitReadyAsync(client);
            var post = await client.PostAsJsonAsync("/v1/events", clicked.Select(id => new { userId = "operator", itemId = id, type = "click" }));
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            first.Kill();
        }

        using var second = ApiProcess.Start(args); // same database, same ports
        await second.WaitReadyAsync(client);
        var profile = await client.GetFromJsonAsync<UserProfileResponse>("/v1/users/operator");
        var recommendations = await client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/operator/recommendations?count=10");

        Assert.Equal(clicked, profile!.Recent.Select(e => e.ItemId));
        Assert.Equal(10, recommendations!.Items.Count);
        Assert.Empty(recommendations.Items.Select(r => r.ItemId).Intersect(clicked));
    }
}
