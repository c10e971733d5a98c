using System.Net;
using System.Net.Http.Json;
using Orleans.Runtime;
using RecSys.Api.Contracts;
using RecSys.Grains;
using RecSys.Grains.Contracts;
using RecSys.TestSupport;

namespace RecSys.Integration.Tests;

/// <summary>Orleans ADO.NET clustering and grain storage on the real PostgreSQL, through our own schema.</summary>
[Trait("Category", "Integration")]
public sealed class PersistenceAndClusterTests
{
    private static Dictionary<string, string?> PostgresSettings(PostgresTestDatabase database, string clusterId) => new()
    {
        ["RecSys:Storage"] = "postgres",
        ["RecSys:Connection"] = database.ConnectionString,
        ["RecSys:ClusterId"] = clusterId,
    };

    [PostgresFact]
    public async Task A_users_history_item_edits_and_item_flags_survive_a_restart_of_the_process()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        var settings = PostgresSettings(database, "restart");
        var user = "restart-user";
        var clicked = new[] { "i3", "i4", "i5" };
        string blocked;

        await using (var first = new RecSysApiFactory(settings))
        {
            var client = await first.CreateReadyClientAsync();
            var post = await client.PostAsJsonAsync("/v1/events", clicked.Select((id, n) => new { userId = user, itemId = id, type = "click", eventId = "e" + n }));
            Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
            var put = await client.PutAsJsonAsync("/v1/items/i9", new { title = "Renamed by an editor" });
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            blocked = (await client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/restart-cold/recommendations?count=1"))!.Items[0].ItemId;
            var flag = await client.PutAsJsonAsync($"/v1/items/{blocked}/flags", new { blocked = true, reason = "recalled" });
            Assert.Equal(HttpStatusCode.OK, flag.StatusCode);
        }

        // Same database and ports chosen afresh: a new process generation of the same service.
        await using var second = new RecSysApiFactory(settings);
        var restarted = await second.CreateReadyClientAsync();
        var profile = await restarted.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user}");
        var recommendations = await restarted.GetFromJsonAsync<RecommendationsResponse>($"/v1/users/{user}/recommendations?count=10");
        var item = await restarted.GetFromJsonAsync<ItemResponse>("/v1/items/i9");
        var blockedItem = await restarted.GetFromJsonAsync<ItemResponse>($"/v1/items/{blocked}");
        // Asked as soon as the host is ready: the silo loaded the blocked items before it started serving.
        var coldRecommendations = await restarted.GetFromJsonAsync<RecommendationsResponse>("/v1/users/restart-cold/recommendations?count=10");
        var retry = await restarted.PostAsJsonAsync("/v1/events", new[] { new { userId = user, itemId = "i3", type = "click", eventId = "e0" } });

        Assert.Equal(clicked, profile!.Recent.Select(e => e.ItemId));
        Assert.Equal(3, profile.TotalEvents);
        Assert.Empty(recommendations!.Items.Select(r => r.ItemId).Intersect(clicked));
        Assert.Contains(recommendations.Items, r => r.Channel == Channels.ItemCf);
        Assert.Equal("Renamed by an editor", item!.Title); // the restart's seeding did not overwrite it
        Assert.Equal((true, "recalled"), (blockedItem!.Flags.Blocked, blockedItem.Flags.Reason));
        Assert.Equal(10, coldRecommendations!.Items.Count);
        Assert.DoesNotContain(coldRecommendations.Items, r => r.ItemId == blocked);
        Assert.Equal(new EventsAccepted(1, 1), await retry.Content.ReadFromJsonAsync<EventsAccepted>()); // ids persisted too
        Assert.Equal(1L, await database.ScalarAsync<long>("SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'user'"));
    }

    [PostgresFact]
    public async Task Two_silos_join_one_cluster_through_postgres_membership_and_both_serve()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        const string clusterId = "two-silos";
        await using var first = await SiloHost.StartAsync(database.ConnectionString, clusterId);
        await using var second = await SiloHost.StartAsync(database.ConnectionString, clusterId);

        await Eventually.TrueAsync(
            async () => await database.ScalarAsync<long>($"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = '{clusterId}' AND Status = 3") == 2,
            TimeSpan.FromSeconds(60),
            "two active silos in OrleansMembershipTable");
        foreach (var silo in new[] { first, second })
        {
            var hosts = await silo.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
            Assert.Equal(2, hosts.Count);
        }

        // Written through one silo, read through the other: one activation per user across the cluster.
        var users = Enumerable.Range(0, 40).Select(i => $"cluster-user-{i}").ToArray();
        foreach (var user in users)
        {
            await first.Grains.GetGrain<IUserGrain>(user).RecordAsync([new UserEvent("i7", EventType.Like, null, DateTimeOffset.UtcNow, null)]);
        }
        foreach (var user in users)
        {
            var snapshot = await second.Grains.GetGrain<IUserGrain>(user).GetSnapshotAsync();
            Assert.Equal(["i7"], snapshot.Recent.Select(e => e.ItemId));
        }

        // Each silo answers the request path itself (the recommender is a local stateless worker)...
        foreach (var silo in new[] { first, second })
        {
            var recommendations = await silo.Grains.GetGrain<IRecommenderGrain>(0).RecommendAsync(users[0], 10);
            Assert.Equal(10, recommendations.Length);
            Assert.DoesNotContain(recommendations, r => r.ItemId == "i7");
            Assert.Contains(recommendations, r => r.Channel == Channels.ItemCf);
        }

        // ...and user grains were placed on both silos.
        var statistics = await first.Grains.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var silosWithUsers = statistics.Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal)).Select(s => s.SiloAddress).Distinct().Count();
        Assert.Equal(2, silosWithUsers);
    }

    [PostgresFact]
    public async Task The_api_as_an_orleans_client_finds_the_silos_through_postgres()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        const string clusterId = "client-role";
        await using var silo = await SiloHost.StartAsync(database.ConnectionString, clusterId);
        var settings = PostgresSettings(database, clusterId);
        settings["RecSys:Role"] = "client";

        await using var api = new RecSysApiFactory(settings);
        var client = await api.CreateReadyClientAsync();
        var post = await client.PostAsJsonAsync("/v1/events", new[] { new { userId = "via-client", itemId = "i2", type = "purchase" } });
        var recommendations = await client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/via-client/recommendations?count=5");
        var snapshot = await silo.Grains.GetGrain<IUserGrain>("via-client").GetSnapshotAsync();

        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.Equal(5, recommendations!.Items.Count);
        Assert.DoesNotContain(recommendations.Items, r => r.ItemId == "i2");
        Assert.Equal(["i2"], snapshot.Recent.Select(e => e.ItemId));

        // A flag set through a client-role Api (no silo copy of its own) is in effect once the PUT returns: the
        // cluster's one silo holds the registry, which updates that silo's copy before answering.
        var flagged = recommendations.Items[0].ItemId;
        var flag = await client.PutAsJsonAsync($"/v1/items/{flagged}/flags", new { blocked = true });
        var afterFlag = await client.GetFromJsonAsync<RecommendationsResponse>("/v1/users/via-client/recommendations?count=5");
        Assert.Equal(HttpStatusCode.OK, flag.StatusCode);
        Assert.Equal(5, afterFlag!.Items.Count);
        Assert.DoesNotContain(afterFlag.Items, r => r.ItemId == flagged);
    }
}
