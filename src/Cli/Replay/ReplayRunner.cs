using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Cli.Replay;

/// <summary>
/// Replays a <see cref="ReplayPlan"/>'s held-out events through a RecSys API: before each scored event it asks for
/// the subject's recommendations (<c>GET /v1/users/{id}/recommendations</c> or the session route, <c>count=K</c>) and
/// scores the event's item against the answer, then posts the event (<c>POST /v1/events</c> or
/// <c>/v1/sessions/{id}/events</c>, with its time and an event id), so the next answer can use it. Subjects are
/// spread over <c>parallel</c> workers; each subject's events stay in order and the workers walk the plan in time
/// order side by side, so a subject never sees a later event before an earlier one.
/// </summary>
internal sealed class ReplayRunner(HttpClient http, ReplayPlan plan, int k, int parallel, int? limit)
{
    private readonly ConcurrentBag<(double Get, double? Post)> _latencies = [];

    public async Task<ReplayEvalResult> RunAsync(IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var events = limit is { } n ? plan.Events.Take(n).ToList() : plan.Events.ToList();
        var scoredTotal = events.Count(e => e.Scored);
        var workers = Math.Max(1, parallel);
        var outcomes = new ConcurrentBag<Outcome>();
        var done = 0;
        var watch = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, workers).Select(worker => Task.Run(
            async () =>
            {
                for (var index = 0; index < events.Count; index++)
                {
                    var e = events[index];
                    if (StableHash(e.SubjectId) % (uint)workers != worker)
                    {
                        continue;
                    }
                    cancellationToken.ThrowIfCancellationRequested();
                    outcomes.Add(await ReplayAsync(e, index, cancellationToken));
                    if (e.Scored && Interlocked.Increment(ref done) % 50 == 0)
                    {
                        progress?.Report(new TrainingProgress($"{done:N0}/{scoredTotal:N0} scored", done / (double)Math.Max(1, scoredTotal)));
                    }
                }
            },
            cancellationToken)).ToArray();
        await Task.WhenAll(tasks);
        progress?.Report(new TrainingProgress($"{scoredTotal:N0} scored", 1));
        return ReplayEvalResult.From(k, plan.Train.ItemCount, [.. outcomes], [.. _latencies], watch.Elapsed.TotalSeconds);
    }

    private async Task<Outcome> ReplayAsync(ReplayEvent e, int index, CancellationToken cancellationToken)
    {
        var subject = e.Subject == ReplaySubject.Session ? "sessions" : "users";
        var id = Uri.EscapeDataString(e.SubjectId);
        Outcome outcome = new(e.Scored, Rank: -1, HitChannel: null, Items: [], Channels: [], Degraded: [], Error: null, ModelVersion: null, Ranker: null);
        double getMs = 0;
        if (e.Scored)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                using var response = await http.GetAsync($"/v1/{subject}/{id}/recommendations?count={k}", cancellationToken);
                var answer = await response.Content.ReadAsStringAsync(cancellationToken);
                getMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                outcome = response.IsSuccessStatusCode
                    ? Score(e, answer)
                    : outcome with { Error = $"GET {(int)response.StatusCode}" };
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                getMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                outcome = outcome with { Error = "GET " + ex.GetType().Name };
            }
        }

        var postStarted = Stopwatch.GetTimestamp();
        var path = e.Subject == ReplaySubject.Session ? $"/v1/sessions/{id}/events" : "/v1/events";
        var type = plan.ExplicitRatings ? "rating" : "view";
        var timestamp = DateTimeOffset.FromUnixTimeSeconds(e.Timestamp);
        var eventId = "replay-" + index.ToString(CultureInfo.InvariantCulture);
        object body = e.Subject == ReplaySubject.Session
            ? new object[] { plan.ExplicitRatings ? new { itemId = e.ItemId, type, value = (double)e.Rating, timestamp, eventId } : new { itemId = e.ItemId, type, timestamp, eventId } }
            : new object[] { plan.ExplicitRatings ? new { userId = e.SubjectId, itemId = e.ItemId, type, value = (double)e.Rating, timestamp, eventId } : new { userId = e.SubjectId, itemId = e.ItemId, type, timestamp, eventId } };
        try
        {
            using var response = await http.PostAsJsonAsync(path, body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                outcome = outcome with { Error = outcome.Error ?? $"POST {(int)response.StatusCode}" };
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            outcome = outcome with { Error = outcome.Error ?? "POST " + ex.GetType().Name };
        }
        _latencies.Add((getMs, Stopwatch.GetElapsedTime(postStarted).TotalMilliseconds));
        return outcome;
    }

    private static Outcome Score(ReplayEvent e, string body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        var items = new List<(string Item, string Channel)>();
        foreach (var item in root.GetProperty("items").EnumerateArray())
        {
            items.Add((item.GetProperty("itemId").GetString()!, item.TryGetProperty("channel", out var c) ? c.GetString() ?? "" : ""));
        }
        var degraded = root.TryGetProperty("degraded", out var d) && d.ValueKind == JsonValueKind.Array
            ? d.EnumerateArray().Select(x => x.GetString() ?? "").ToArray()
            : [];
        var rank = items.FindIndex(i => i.Item == e.ItemId);
        return new Outcome(
            true,
            rank,
            rank >= 0 ? items[rank].Channel : null,
            [.. items.Select(i => i.Item)],
            [.. items.Select(i => i.Channel)],
            degraded,
            null,
            root.TryGetProperty("modelVersion", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null,
            root.TryGetProperty("ranker", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null);
    }

    /// <summary>FNV-1a: the same worker for a subject in every run (string.GetHashCode is randomised per process).</summary>
    private static uint StableHash(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return hash;
    }

    /// <summary>What one replayed event gave: the target's 0-based rank in the answer (−1: not in it).</summary>
    internal sealed record Outcome(bool Scored, int Rank, string? HitChannel, string[] Items, string[] Channels, string[] Degraded, string? Error, string? ModelVersion, string? Ranker);
}

/// <summary>The metrics of one replay.</summary>
internal sealed record ReplayEvalResult(
    int K,
    int Scored,
    double HitRate,
    double Mrr,
    double Ndcg,
    double Coverage,
    int DegradedAnswers,
    IReadOnlyDictionary<string, int> DegradedStages,
    int Errors,
    IReadOnlyDictionary<string, int> ErrorKinds,
    IReadOnlyDictionary<string, int> HitsByChannel,
    IReadOnlyDictionary<string, int> ItemsByChannel,
    double GetP50,
    double GetP95,
    double GetP99,
    double PostP50,
    double PostP99,
    double Seconds,
    IReadOnlyList<string> ModelVersions,
    IReadOnlyList<string> Rankers)
{
    public static ReplayEvalResult From(int k, int catalogue, IReadOnlyList<ReplayRunner.Outcome> outcomes, IReadOnlyList<(double Get, double? Post)> latencies, double seconds)
    {
        var scored = outcomes.Where(o => o.Scored).ToList();
        var n = Math.Max(1, scored.Count);
        var hits = scored.Where(o => o.Rank >= 0).ToList();
        var recommended = new HashSet<string>(scored.SelectMany(o => o.Items), StringComparer.Ordinal);
        var gets = latencies.Select(l => l.Get).Where(ms => ms > 0).Order().ToArray();
        var posts = latencies.Where(l => l.Post is not null).Select(l => l.Post!.Value).Order().ToArray();
        return new ReplayEvalResult(
            k,
            scored.Count,
            hits.Count / (double)n,
            hits.Sum(o => 1.0 / (o.Rank + 1)) / n,
            hits.Sum(o => 1.0 / Math.Log2(o.Rank + 2)) / n,
            catalogue == 0 ? 0 : recommended.Count / (double)catalogue,
            scored.Count(o => o.Degraded.Length > 0),
            Count(scored.SelectMany(o => o.Degraded)),
            outcomes.Count(o => o.Error is not null),
            Count(outcomes.Where(o => o.Error is not null).Select(o => o.Error!)),
            Count(hits.Select(o => o.HitChannel ?? "")),
            Count(scored.SelectMany(o => o.Channels)),
            Percentile(gets, 0.50),
            Percentile(gets, 0.95),
            Percentile(gets, 0.99),
            Percentile(posts, 0.50),
            Percentile(posts, 0.99),
            seconds,
            [.. scored.Select(o => o.ModelVersion).OfType<string>().Distinct().Order()],
            [.. scored.Select(o => o.Ranker ?? "none").Distinct().Order()]);
    }

    private static Dictionary<string, int> Count(IEnumerable<string> values) =>
        values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
