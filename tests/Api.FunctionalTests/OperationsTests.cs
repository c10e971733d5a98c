using System.Net;
using System.Text.Json;

using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>/metrics, /health/*, /openapi/v1.json.</summary>
[Collection(MetricsCollection.Name)]
public sealed class OperationsTests(ReadyApi api) : IClassFixture<ReadyApi>
{
    private HttpClient Client => api.Client;

    [Fact]
    public async Task Metrics_expose_orleans_and_recsys_series()
    {
        await Client.PostAsync("/v1/events", new StringContent("""{"userId":"metrics-user","itemId":"i1","type":"click"}""", System.Text.Encoding.UTF8, "application/json"));
        await Client.GetAsync("/v1/users/metrics-user/recommendations");

        // The Prometheus exporter caches a scrape briefly; poll until the new series show up.
        string text = "";
        await TestSupport.Eventually.TrueAsync(async () =>
        {
            text = await Client.GetStringAsync("/metrics");
            return text.Contains("recsys_events_ingested_total", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "recsys_events_ingested_total in /metrics");

        Assert.Contains("orleans_", text);
        Assert.Contains("recsys_events_ingested_total{", text);
        Assert.Contains("recsys_http_request_duration_seconds_bucket{", text);
        Assert.Contains("endpoint=\"/v1/users/{userId}/recommendations\"", text);
        Assert.Contains("recsys_recommended_items_total{", text);
    }

    [Fact]
    public async Task Health_endpoints_answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/health/live")).StatusCode);
        var ready = await Client.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task The_openapi_document_describes_every_endpoint()
    {
        using var document = JsonDocument.Parse(await Client.GetStringAsync("/openapi/v1.json"));
        var paths = document.RootElement.GetProperty("paths");

        foreach (var (path, method) in new[]
        {
            ("/v1/events", "post"),
            ("/v1/admin/replay", "post"),
            ("/v1/users/{userId}/recommendations", "get"),
            ("/v1/users/{userId}", "get"),
            ("/v1/sessions/{sessionId}/events", "post"),
            ("/v1/sessions/{sessionId}/recommendations", "get"),
            ("/v1/sessions/{sessionId}", "get"),
            ("/v1/items", "get"),
            ("/v1/items/{itemId}", "get"),
            ("/v1/items/{itemId}", "put"),
            ("/v1/items/{itemId}/similar", "get"),
            ("/v1/items/{itemId}/flags", "get"),
            ("/v1/items/{itemId}/flags", "put"),
            ("/metrics", "get"),
            ("/health/live", "get"),
            ("/health/ready", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item), $"{path} is missing");
            Assert.True(item.TryGetProperty(method, out var operation), $"{method} {path} is missing");
            Assert.True(operation.TryGetProperty("summary", out _), $"{method} {path} has no summary");
        }
        var post = paths.GetProperty("/v1/events").GetProperty("post");
        Assert.True(post.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("202", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("400", out _));
        Assert.False(paths.TryGetProperty("/dashboard/DashboardCounters", out _), "the dashboard's own JSON is not part of the API");
    }

    [Fact]
    public async Task The_orleans_dashboard_is_served_at_dashboard_and_reports_this_cluster()
    {
        var page = await Client.GetAsync("/dashboard"); // redirected to /dashboard/, so relative asset links resolve
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<title>Orleans Dashboard</title>", html);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/dashboard/index.min.js")).StatusCode);

        // The page polls these: the active silo, and per-grain counters that include our own grains once they ran.
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PostAsync("/v1/events", new StringContent("""{"userId":"dashboard-user","itemId":"i1","type":"click"}""", System.Text.Encoding.UTF8, "application/json"))).StatusCode);
        var counters = "";
        await Eventually.TrueAsync(async () =>
        {
            counters = await Client.GetStringAsync("/dashboard/DashboardCounters");
            return counters.Contains("UserGrain", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(30), "UserGrain in /dashboard/DashboardCounters");
        using var json = JsonDocument.Parse(counters);
        var hosts = json.RootElement.GetProperty("hosts").EnumerateArray().ToList();
        Assert.Single(hosts);
        Assert.Equal("Active", hosts[0].GetProperty("status").GetString());

        using var clusterStats = JsonDocument.Parse(await Client.GetStringAsync("/dashboard/ClusterStats"));
        Assert.Equal(JsonValueKind.Object, clusterStats.RootElement.ValueKind);
        Assert.NotEmpty(clusterStats.RootElement.EnumerateObject()); // one entry per second of history
    }
}

/// <summary>
/// Runs alone, after the parallel tests. Orleans creates its "Microsoft.Orleans" meter per host (through the
/// host's IMeterFactory) while an OpenTelemetry provider listens to every meter of that name in the process;
/// when another test host in this process is disposed, its meter completes and the provider drops the shared
/// orleans_* streams. Production runs one host per process, so only tests need this isolation.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics";
}
