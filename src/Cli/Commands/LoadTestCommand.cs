using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys loadtest --url http://127.0.0.1:5080 [--rps 500] [--duration 30] [--users 10000] [--write-ratio 0.1]
/// [--like-ratio 0] [--count 10] [--max-in-flight 1024] [--json]</c>: an open-loop load generator against the RecSys API. Requests
/// start on a fixed schedule whatever the responses do, and latency is measured from each request's scheduled start,
/// so a slow server cannot hide its queueing (no coordinated omission). Reads ask a random user's recommendations;
/// writes post one click (or, for <c>--like-ratio</c> of them, one like) of a random user on a random catalogue item
/// (fetched from <c>GET /v1/items</c> first). Likes matter to rankers that attend over what a user liked (DIN): a
/// click-only load leaves that history empty and measures a cheaper ranker than real traffic meets.
/// A request that would exceed <c>--max-in-flight</c> is not sent and counts as an error ("skipped").
/// </summary>
internal static class LoadTestCommand
{
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(args, ["--url", "--rps", "--duration", "--users", "--write-ratio", "--like-ratio", "--count", "--max-in-flight", "--seed"], ["--json"]);
        var url = CommonOptions.ApiUrl(arguments);
        var rps = arguments.Int("--rps", 100, 1, 1_000_000);
        var duration = arguments.Double("--duration", 10, 0.1, 86_400);
        var users = arguments.Int("--users", 1000, 1, 100_000_000);
        var writeRatio = arguments.Double("--write-ratio", 0.1, 0, 1);
        var likeRatio = arguments.Double("--like-ratio", 0, 0, 1);
        var count = arguments.Int("--count", 10, 1, 1000);
        var maxInFlight = arguments.Int("--max-in-flight", 1024, 1, 1_000_000);
        var seed = CommonOptions.Seed(arguments);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = maxInFlight, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(30),
        };
        var items = writeRatio > 0 ? CatalogueItems(http) : [];
        error.WriteLine($"loadtest: {url} for {duration:0.#} s at {rps:N0} requests/s, {users:N0} users, {writeRatio:P0} writes ({likeRatio:P0} of them likes) over {items.Length:N0} items");

        var run = new LoadRun(http, rps, TimeSpan.FromSeconds(duration), users, writeRatio, likeRatio, count, maxInFlight, items, seed);
        var result = run.ExecuteAsync().GetAwaiter().GetResult();
        output.Write(arguments.Has("--json") ? result.ToJson() : result.ToTable());
        return CliApp.Success;
    }

    /// <summary>Item ids to write events on: the first page of the catalogue (up to 500, the API's page limit).</summary>
    private static string[] CatalogueItems(HttpClient http)
    {
        try
        {
            using var response = http.GetAsync("/v1/items?offset=0&limit=500").GetAwaiter().GetResult();
            if (!response.IsSuccessStatusCode)
            {
                throw new UsageException($"GET /v1/items answered {(int)response.StatusCode}; is --url a RecSys API?");
            }
            using var document = JsonDocument.Parse(response.Content.ReadAsStringAsync().GetAwaiter().GetResult());
            var ids = document.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray();
            return ids.Length > 0 ? ids : throw new UsageException("the catalogue is empty: nothing to write events on (use --write-ratio 0)");
        }
        catch (HttpRequestException ex)
        {
            throw new UsageException($"cannot reach {http.BaseAddress}: {ex.Message}");
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new UsageException($"GET /v1/items did not return a RecSys item page: {ex.Message}");
        }
    }
}

/// <summary>One load-test run: the schedule, the requests and what they measured.</summary>
internal sealed class LoadRun(HttpClient http, int rps, TimeSpan duration, int users, double writeRatio, double likeRatio, int count, int maxInFlight, string[] items, ulong seed)
{
    private readonly List<(bool Write, double Milliseconds, string Outcome, bool Degraded)> _samples = [];
    private readonly Lock _gate = new();
    private int _inFlight;

    public async Task<LoadResult> ExecuteAsync()
    {
        var random = new Random(unchecked((int)seed));
        var total = (long)Math.Round(rps * duration.TotalSeconds);
        var pending = new List<Task>();
        var clock = Stopwatch.StartNew();
        for (long n = 0; n < total; n++)
        {
            var due = TimeSpan.FromSeconds(n / (double)rps);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait).ConfigureAwait(false);
            }
            var write = random.NextDouble() < writeRatio;
            var user = "load-" + random.Next(users).ToString(CultureInfo.InvariantCulture);
            var item = write ? items[random.Next(items.Length)] : null;
            var type = write && random.NextDouble() < likeRatio ? "like" : "click";
            if (Interlocked.Increment(ref _inFlight) > maxInFlight)
            {
                Interlocked.Decrement(ref _inFlight);
                Record(write, 0, "skipped");
                continue;
            }
            pending.Add(SendAsync(write, user, item, type, n, clock, due));
        }
        await Task.WhenAll(pending).ConfigureAwait(false);
        return new LoadResult(rps, duration.TotalSeconds, clock.Elapsed.TotalSeconds, [.. _samples]);
    }

    /// <summary>One event as a JSON array, sent with its length (a chunked body costs the server more to read).</summary>
    private static StringContent EventBody(string user, string item, string type, string eventId) =>
        new(JsonSerializer.Serialize(new[] { new { userId = user, itemId = item, type, eventId } }), Encoding.UTF8, "application/json");

    private async Task SendAsync(bool write, string user, string? item, string type, long n, Stopwatch clock, TimeSpan due)
    {
        string outcome;
        var degraded = false;
        try
        {
            using var response = write
                ? await http.PostAsync("/v1/events", EventBody(user, item!, type, $"load-{seed}-{n}")).ConfigureAwait(false)
                : await http.GetAsync($"/v1/users/{user}/recommendations?count={count}").ConfigureAwait(false);
            outcome = response.IsSuccessStatusCode ? "ok" : ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (!write && response.IsSuccessStatusCode)
            {
                // An answer with a channel or the ranker left out (late or failed) is a success but not the full
                // pipeline: counted apart, so a latency bar cannot be met by giving up on ranking.
                using var body = JsonDocument.Parse(await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
                degraded = body.RootElement.TryGetProperty("degraded", out var parts) && parts.ValueKind == JsonValueKind.Array && parts.GetArrayLength() > 0;
            }
        }
        catch (JsonException)
        {
            outcome = "bad json";
        }
        catch (HttpRequestException ex)
        {
            outcome = ex.HttpRequestError.ToString();
        }
        catch (TaskCanceledException)
        {
            outcome = "timeout";
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
        Record(write, (clock.Elapsed - due).TotalMilliseconds, outcome, degraded);
    }

    private void Record(bool write, double milliseconds, string outcome, bool degraded = false)
    {
        lock (_gate)
        {
            _samples.Add((write, milliseconds, outcome, degraded));
        }
    }
}

/// <summary>Latency percentiles (of successful requests), throughput and errors of a run.</summary>
internal sealed record LoadResult(int TargetRps, double Seconds, double ElapsedSeconds, IReadOnlyList<(bool Write, double Milliseconds, string Outcome, bool Degraded)> Samples)
{
    public int Requests => Samples.Count;

    public int Errors => Samples.Count(s => s.Outcome != "ok");

    /// <summary>Successful reads whose answer lists a degraded part (a recall channel or the ranker left out).</summary>
    public int DegradedReads => Samples.Count(s => s.Degraded);

    public double Throughput => Samples.Count(s => s.Outcome == "ok") / Math.Max(ElapsedSeconds, 1e-9);

    /// <summary>Percentile <paramref name="p"/> (0–100) of the successful requests' latencies, nearest rank; NaN if none.</summary>
    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public string ToTable()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"requests {Requests:N0} in {ElapsedSeconds:0.0} s (target {TargetRps:N0}/s for {Seconds:0.#} s); throughput {Throughput:0.0}/s; errors {Errors:N0}");
        text.AppendLine("kind    count    p50 ms    p95 ms    p99 ms    max ms  errors");
        foreach (var (name, rows) in Groups())
        {
            var ok = rows.Where(s => s.Outcome == "ok").Select(s => s.Milliseconds).ToArray();
            text.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-6} {rows.Count,6:N0} {Percentile(ok, 50),9:0.00} {Percentile(ok, 95),9:0.00} {Percentile(ok, 99),9:0.00} {(ok.Length == 0 ? double.NaN : ok.Max()),9:0.00} {rows.Count(s => s.Outcome != "ok"),7:N0}"));
        }
        foreach (var failure in Samples.Where(s => s.Outcome != "ok").GroupBy(s => s.Outcome).OrderByDescending(g => g.Count()))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"error {failure.Key}: {failure.Count():N0}");
        }
        var reads = Samples.Count(s => !s.Write && s.Outcome == "ok");
        text.AppendLine(CultureInfo.InvariantCulture, $"degraded reads {DegradedReads:N0} of {reads:N0} ({(reads == 0 ? 0 : DegradedReads / (double)reads):P1}): a recall channel or the ranker was left out");
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        targetRps = TargetRps,
        seconds = Seconds,
        elapsedSeconds = Math.Round(ElapsedSeconds, 3),
        requests = Requests,
        errors = Errors,
        degradedReads = DegradedReads,
        throughput = Math.Round(Throughput, 2),
        kinds = Groups().ToDictionary(g => g.Name, g =>
        {
            var ok = g.Rows.Where(s => s.Outcome == "ok").Select(s => s.Milliseconds).ToArray();
            double? Round(double v) => double.IsNaN(v) ? null : Math.Round(v, 3);
            return new { count = g.Rows.Count, p50 = Round(Percentile(ok, 50)), p95 = Round(Percentile(ok, 95)), p99 = Round(Percentile(ok, 99)), errors = g.Rows.Count(s => s.Outcome != "ok") };
        }),
        errorsByKind = Samples.Where(s => s.Outcome != "ok").GroupBy(s => s.Outcome).ToDictionary(g => g.Key, g => g.Count()),
    }, new JsonSerializerOptions { WriteIndented = true }) + Environment.NewLine;

    private IEnumerable<(string Name, List<(bool Write, double Milliseconds, string Outcome, bool Degraded)> Rows)> Groups()
    {
        yield return ("all", [.. Samples]);
        yield return ("read", [.. Samples.Where(s => !s.Write)]);
        yield return ("write", [.. Samples.Where(s => s.Write)]);
    }
}
