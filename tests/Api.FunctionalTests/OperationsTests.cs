using System.Net;
using System.Text.Json;

using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>/metrics, /health/*, /openapi/v1.json.</summary>
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
            ("/v1/users/{userId}/recommendations", "get"),
            ("/v1/users/{userId}", "get"),
            ("/v1/items", "get"),
            ("/v1/items/{itemId}", "get"),
            ("/v1/items/{itemId}", "put"),
            ("/v1/items/{itemId}/similar", "get"),
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
    }
}
