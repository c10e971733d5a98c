using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecSys.TestSupport;

namespace RecSys.Api.FunctionalTests;

/// <summary>
/// deploy/grafana/dashboards/recsys-overview.json: importable, and every series it queries is one the Api really
/// exports. The names are checked against a live /metrics scrape of an Api serving trained models (so the recall,
/// ranking and model-version instruments report), not against a list kept by hand, so a renamed instrument or a
/// unit change that renames its Prometheus series fails here. The event log's series exist only in PostgreSQL mode:
/// EventLogTests (Integration.Tests) checks those.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class DashboardTests : IAsyncLifetime
{
    private readonly RecSysApiFactory _factory = new(new Dictionary<string, string?>
    {
        ["RecSys:Models:Artifacts"] = ServingApi.CopyOfTrainedModels("recsys-dashboard-api-"),
        ["RecSys:Models:PollInterval"] = "00:00:00.200",
        // Series, not latency: deadlines a busy test machine meets.
        ["RecSys:Serving:ChannelTimeout"] = "00:00:02",
        ["RecSys:Serving:RankTimeout"] = "00:00:05",
    });

    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _client = await _factory.CreateReadyClientAsync();
        await ServingApi.WaitUntilServingAsync(_client);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Every_series_the_dashboard_queries_is_exported_by_a_serving_api()
    {
        var dashboard = GrafanaDashboard.Load();
        var servingSeries = dashboard.Series.Where(IsServingSeries).ToList();
        Assert.Contains("recsys_rank_forward_duration_seconds_bucket", servingSeries); // the serving panels are there
        Assert.Contains(dashboard.Series, s => s.StartsWith(GrafanaDashboard.EventLogSeriesPrefix, StringComparison.Ordinal));

        // Traffic that makes every instrument of a memory-mode Api report: user and session events (a duplicate
        // among them), a ranked recommendation, a 400, and a replay.
        await PostAsync("/v1/events", """[{"userId":"dash-user","itemId":"i1","type":"click","eventId":"d1"},{"userId":"dash-user","itemId":"i1","type":"click","eventId":"d1"}]""", HttpStatusCode.Accepted);
        await PostAsync("/v1/sessions/dash-session/events", """[{"itemId":"i2","type":"view"}]""", HttpStatusCode.Accepted);
        var answer = await _client.GetFromJsonAsync<JsonElement>("/v1/users/dash-user/recommendations");
        Assert.Equal("din", answer.GetProperty("ranker").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.GetAsync("/v1/users/dash-user/recommendations?count=0")).StatusCode);
        await PostAsync("/v1/admin/replay", """[{"userId":"dash-user","itemId":"i1","type":"click","eventId":"d1"}]""", HttpStatusCode.OK);

        IReadOnlyList<string> missing = servingSeries;
        var text = "";
        try
        {
            // The Prometheus exporter caches a scrape briefly; poll until the new series show up.
            await Eventually.TrueAsync(async () =>
            {
                text = await _client.GetStringAsync("/metrics");
                missing = dashboard.MissingFrom(text, IsServingSeries);
                return missing.Count == 0;
            }, TimeSpan.FromSeconds(30), "every dashboard series in /metrics");
        }
        catch (TimeoutException)
        {
            var exported = text.Split('\n').Where(l => l.StartsWith("recsys_", StringComparison.Ordinal) || l.StartsWith("# TYPE orleans", StringComparison.Ordinal))
                .Select(l => l.Split('{', ' ')[0]).Distinct().Take(80);
            Assert.Fail("the dashboard queries series /metrics does not export: " + string.Join(", ", missing)
                + "\nexported: " + string.Join(", ", exported));
        }
    }

    private Task<string?> ActiveVersionAsync() => ServingApi.ActiveVersionAsync(_client);

    private static bool IsServingSeries(string series) => !series.StartsWith(GrafanaDashboard.EventLogSeriesPrefix, StringComparison.Ordinal);

    private async Task PostAsync(string path, string json, HttpStatusCode expected)
    {
        var response = await _client.PostAsync(path, new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(expected, response.StatusCode);
    }

}

/// <summary>deploy/grafana/dashboards/recsys-overview.json as a file: what Grafana needs to import and draw it.</summary>
public sealed class DashboardFileTests
{
    [Fact]
    public void The_dashboard_is_valid_grafana_json_that_keeps_its_panels_apart()
    {
        var dashboard = GrafanaDashboard.Load();

        Assert.Empty(dashboard.Problems());
        Assert.Equal("recsys-overview", dashboard.Root.GetProperty("uid").GetString());
        Assert.Contains(dashboard.Expressions, e => e.Contains("histogram_quantile(0.99", StringComparison.Ordinal));
    }
}
