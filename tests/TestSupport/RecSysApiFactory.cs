using System.Globalization;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Xunit;

namespace RecSys.TestSupport;

/// <summary>
/// The real Api (co-hosted silo, in-memory storage) on the test server, with its own silo ports and a small
/// synthetic catalogue. Extra settings override the defaults (e.g. PostgreSQL storage).
/// </summary>
public class RecSysApiFactory : WebApplicationFactory<Program>
{
    public const string TestData = "synthetic:users=400,items=150,seed=3";

    private readonly Dictionary<string, string?> _settings;

    public RecSysApiFactory()
        : this(new Dictionary<string, string?>())
    {
    }

    public RecSysApiFactory(IDictionary<string, string?> settings)
    {
        _settings = new Dictionary<string, string?>
        {
            ["RecSys:Data"] = TestData,
            ["RecSys:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RecSys:GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["RecSys:ClusterId"] = "api-tests-" + Guid.NewGuid().ToString("N")[..8],
            ["Logging:LogLevel:Default"] = "Warning",
            // No training at start-up (ItemCF and popularity serve); tests that need models pass a trained folder.
            ["RecSys:Models:Train"] = "none",
            ["RecSys:Models:Artifacts"] = Path.Combine(Path.GetTempPath(), "recsys-tests-empty-" + Guid.NewGuid().ToString("N")[..8]),
        };
        foreach (var (key, value) in settings)
        {
            _settings[key] = value;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (key, value) in _settings)
        {
            builder.UseSetting(key, value);
        }
    }

    /// <summary>A client for a host that has loaded its models and seeded the catalogue.</summary>
    public async Task<HttpClient> CreateReadyClientAsync()
    {
        var client = CreateClient();
        await Eventually.TrueAsync(
            async () => (await client.GetAsync("/health/ready")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(60),
            "/health/ready");
        return client;
    }
}

/// <summary>One Api shared by the tests of a class.</summary>
public sealed class ReadyApi : IAsyncLifetime
{
    public RecSysApiFactory Factory { get; } = new();

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync() => Client = await Factory.CreateReadyClientAsync();

    public async Task DisposeAsync() => await Factory.DisposeAsync();
}

public static class HttpAssertions
{
    /// <summary>Asserts a 400 application/problem+json response whose errors name <paramref name="field"/>.</summary>
    public static async Task AssertProblemAsync(HttpResponseMessage response, int status, string? field = null)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == status, $"expected {status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        if (field is not null)
        {
            var problem = await response.Content.ReadFromJsonAsync<ValidationProblemBody>();
            Assert.NotNull(problem?.Errors);
            Assert.True(problem.Errors.ContainsKey(field), $"errors do not name '{field}': {body}");
        }
    }

    public sealed record ValidationProblemBody(int Status, string? Title, Dictionary<string, string[]>? Errors);
}
