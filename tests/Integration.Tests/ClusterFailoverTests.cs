using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecSys.Api.Contracts;
using RecSys.TestSupport;
using Xunit.Abstractions;

namespace RecSys.Integration.Tests;

/// <summary>
/// The cluster issue's acceptance, as processes: three silos on PostgreSQL membership, the Api as an Orleans client,
/// one silo killed hard (SIGKILL) under load. No acknowledged event may be lost, requests must succeed again once
/// the membership has declared the silo dead, and retried posts must count once.
/// </summary>
[Trait("Category", "Integration")]
[Collection(ClusterFailoverCollection.Name)]
public sealed class ClusterFailoverTests(ITestOutputHelper output)
{
    private const int Users = 60;          // ~10 events each: far below the 200-event history the profile shows
    private const int Writers = 4;
    private const int Readers = 4;
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan StableAfterFailover = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan FailoverBound = TimeSpan.FromSeconds(30);

    // Orleans' defaults (5 s probes, 3 missed) take ~15 s to declare a dead silo. Two-second probes, two misses: a
    // silo must be unresponsive for ~4 s before it is suspected, which a loaded two-core machine does not cause (a
    // false death would kill a live silo and fail this test loudly).
    private static readonly string[] SiloTuning =
    [
        "--RecSys:Orleans:ClusterMembership:ProbeTimeout=00:00:02",
        "--RecSys:Orleans:ClusterMembership:NumMissedProbesLimit=2",
    ];

    // A request the killed silo had already received is never answered, and its gateway does not track it: the
    // client waits out its response timeout (30 s by default). 5 s bounds that tail; a healthy call here takes ms.
    private static readonly string[] ClientTuning =
    [
        "--RecSys:Orleans:Messaging:ResponseTimeout=00:00:05",
        "--RecSys:Orleans:Gateway:GatewayListRefreshPeriod=00:00:05",
    ];

    [PostgresFact]
    public async Task Killing_one_of_three_silos_under_load_loses_no_acknowledged_event_and_serving_recovers()
    {
        var total = Stopwatch.StartNew();
        await using var database = await PostgresTestDatabase.CreateAsync();
        var clusterId = "failover-" + Guid.NewGuid().ToString("N")[..6];
        string[] common = ["--storage", "postgres", "--connection", database.ConnectionString, "--cluster-id", clusterId];

        var silos = new List<(ApiProcess Process, int SiloPort, HttpClient Http)>();
        ApiProcess? api = null;
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var siloPort = FreePort.Next();
                var httpPort = FreePort.Next();
                var process = ApiProcess.StartSilo(
                [
                    .. common,
                    "--silo-port", siloPort.ToString(CultureInfo.InvariantCulture),
                    "--gateway-port", FreePort.Next().ToString(CultureInfo.InvariantCulture),
                    "--urls", $"http://127.0.0.1:{httpPort}",
                    "--data", SiloHost.TestData,
                    .. SiloTuning,
                ]);
                silos.Add((process, siloPort, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}") }));
            }
            await Task.WhenAll(silos.Select(s => s.Process.WaitReadyAsync(s.Http)));
            await Eventually.TrueAsync(
                async () => await ActiveSilosAsync(database, clusterId) == 3,
                TimeSpan.FromSeconds(60),
                "three active silos in OrleansMembershipTable");

            var apiPort = FreePort.Next();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}"), Timeout = TimeSpan.FromSeconds(20) };
            api = ApiProcess.Start([.. common, "--role", "client", "--urls", $"http://127.0.0.1:{apiPort}", .. ClientTuning]);
            await api.WaitReadyAsync(http);
            var clusterUp = total.Elapsed;

            // Load, then the kill, then load until requests have succeeded for a while after the silo was declared dead.
            var load = new LoadRun(http);
            var loadTasks = load.Start(Writers, Readers);
            var victim = silos[1];
            TimeSpan killedAt;
            TimeSpan? declaredDeadAfter = null;
            try
            {
                await Task.Delay(WarmUp);
                killedAt = load.Clock.Elapsed;
                victim.Process.Kill();
                var deadline = killedAt + FailoverBound + StableAfterFailover;
                while (load.Clock.Elapsed < deadline)
                {
                    await Task.Delay(200);
                    if (declaredDeadAfter is null && await SiloStatusAsync(database, clusterId, victim.SiloPort) == DeadStatus)
                    {
                        declaredDeadAfter = load.Clock.Elapsed - killedAt;
                    }
                    // Settled: dead declared, and a recent stretch in which reads and writes succeeded, nothing failed,
                    // and no request from before it is still pending (one hung on the dead silo may yet fail).
                    var stretch = load.Clock.Elapsed - StableAfterFailover;
                    if (declaredDeadAfter is not null && stretch > killedAt
                        && (load.LastFailureEnd ?? killedAt) <= stretch
                        && (load.OldestPendingStart ?? stretch) >= stretch
                        && load.SucceededSince(stretch, isWrite: true) >= 5 && load.SucceededSince(stretch, isWrite: false) >= 5)
                    {
                        break;
                    }
                }
            }
            finally
            {
                load.Stop();
                await Task.WhenAll(loadTasks);
            }

            var report = FailoverReport.From(load.Outcomes, killedAt, declaredDeadAfter);
            output.WriteLine($"cluster up after {clusterUp.TotalSeconds:0.0} s; {report}");

            // (b) Failures only after the kill, only 5xx or no answer (never a 4xx), and none once the cluster settled.
            Assert.True(declaredDeadAfter is not null, $"the killed silo was not declared dead within {FailoverBound.TotalSeconds:0} s; {report}");
            Assert.DoesNotContain(load.Outcomes, o => !o.Succeeded && o.End < killedAt);
            Assert.DoesNotContain(load.Outcomes, o => o.Status is >= 400 and < 500);
            Assert.True(report.LastFailureAfterKill is null || report.LastFailureAfterKill < FailoverBound, $"requests still failed {FailoverBound.TotalSeconds:0} s after the kill; {report}");
            Assert.True(report.WritesSucceededAfterLastFailure > 0 && report.ReadsSucceededAfterLastFailure > 0, $"no reads or writes succeeded after the failover; {report}");
            Assert.True(load.Acknowledged.Count > 0);
            // Every acknowledged event is in the event log: the Api answered 202 only after its commit.
            await AssertEventLogHoldsAsync(database, load.Acknowledged);

            // (c) Every failed post, retried with the same eventId, now succeeds; a duplicate means it had landed
            // in its user's state before the failure.
            var landedBeforeFailure = 0;
            foreach (var failed in load.Failed)
            {
                var retry = await http.PostAsJsonAsync("/v1/events", failed.Body);
                Assert.True(retry.StatusCode == HttpStatusCode.Accepted, $"retry of {failed.EventId} answered {(int)retry.StatusCode}: {await retry.Content.ReadAsStringAsync()}");
                var accepted = await retry.Content.ReadFromJsonAsync<EventsAccepted>();
                Assert.Equal(1, accepted!.Accepted);
                landedBeforeFailure += accepted.Duplicates;
            }
            output.WriteLine($"{load.Failed.Count} failed posts retried, {landedBeforeFailure} of them had landed before failing");

            // (a) + (c) Every acknowledged event, and every retried one, is in its user's state exactly once.
            var expected = load.Acknowledged.Concat(load.Failed).ToList();
            await AssertUserStateHoldsExactlyAsync(http, expected);

            // The client-role Api's dashboard shows the membership change too.
            await AssertDashboardShowsActiveSilosAsync(http, [.. silos.Where(s => s != victim).Select(s => s.SiloPort)]);
            // ...and a standalone silo serves the dashboard on its own HTTP port.
            var siloDashboard = await silos[0].Http.GetAsync("/dashboard");
            Assert.Equal(HttpStatusCode.OK, siloDashboard.StatusCode);
            Assert.Contains("<title>Orleans Dashboard</title>", await siloDashboard.Content.ReadAsStringAsync());
            output.WriteLine($"whole test {total.Elapsed.TotalSeconds:0.0} s");
        }
        catch
        {
            foreach (var (process, siloPort, _) in silos)
            {
                output.WriteLine($"--- silo {siloPort} (pid {process.Id}) output:\n{process.Output}");
            }
            output.WriteLine($"--- api output:\n{api?.Output}");
            throw;
        }
        finally
        {
            api?.Dispose();
            foreach (var (process, _, client) in silos)
            {
                process.Dispose();
                client.Dispose();
            }
        }
    }

    private const int DeadStatus = 6;   // Orleans SiloStatus.Dead, as stored in OrleansMembershipTable

    private static async Task<long> ActiveSilosAsync(PostgresTestDatabase database, string clusterId) =>
        await database.ScalarAsync<long>($"SELECT count(*) FROM OrleansMembershipTable WHERE DeploymentId = '{clusterId}' AND Status = 3");

    private static async Task<int> SiloStatusAsync(PostgresTestDatabase database, string clusterId, int siloPort) =>
        await database.ScalarAsync<int>($"SELECT Status FROM OrleansMembershipTable WHERE DeploymentId = '{clusterId}' AND Port = {siloPort}");

    /// <summary>Every event in <paramref name="expected"/> has its row in recsys_events (the unique key makes it one row).</summary>
    private static async Task AssertEventLogHoldsAsync(PostgresTestDatabase database, IReadOnlyCollection<PostedEvent> expected)
    {
        var logged = new HashSet<(string, string)>();
        await using (var connection = new Npgsql.NpgsqlConnection(database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT user_id, event_id FROM recsys_events", connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                logged.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        var missing = expected.Where(e => !logged.Contains((e.UserId, e.EventId))).Select(e => $"{e.UserId}/{e.EventId}").ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged events are not in recsys_events: {string.Join(", ", missing.Take(20))}");
    }

    /// <summary>
    /// The user state as the API shows it holds each expected event exactly once, and nothing else: every event
    /// of these users was posted by this test.
    /// </summary>
    private static async Task AssertUserStateHoldsExactlyAsync(HttpClient http, IReadOnlyCollection<PostedEvent> expected)
    {
        foreach (var user in expected.GroupBy(e => e.UserId))
        {
            var profile = await http.GetFromJsonAsync<UserProfileResponse>($"/v1/users/{user.Key}");
            var recorded = profile!.Recent.Select(e => e.EventId!).ToList();
            var wanted = user.Select(e => e.EventId).ToHashSet();
            var missing = wanted.Except(recorded).ToList();
            Assert.True(missing.Count == 0, $"{user.Key} lost events {string.Join(", ", missing)}");
            Assert.True(recorded.Count == recorded.Distinct().Count(), $"{user.Key} holds an event twice: {string.Join(", ", recorded)}");
            Assert.True(wanted.SetEquals(recorded), $"{user.Key} holds events nobody posted: {string.Join(", ", recorded.Except(wanted))}");
            Assert.Equal(wanted.Count, profile.TotalEvents);
        }
    }

    /// <summary>The client-role Api's dashboard lists exactly the surviving silos as active.</summary>
    private static async Task AssertDashboardShowsActiveSilosAsync(HttpClient http, IReadOnlyCollection<int> activeSiloPorts)
    {
        var last = "";
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                var response = await http.GetAsync("/dashboard/DashboardCounters");
                last = $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}";
                if (!response.IsSuccessStatusCode)
                {
                    return false;
                }
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var active = json.RootElement.GetProperty("hosts").EnumerateArray()
                    .Where(h => h.GetProperty("status").GetString() == "Active")
                    .Select(h => int.Parse(h.GetProperty("siloAddress").GetString()!.Split(':', '@')[1], CultureInfo.InvariantCulture));
                return active.Order().SequenceEqual(activeSiloPorts.Order());
            }, TimeSpan.FromSeconds(20), "the dashboard to list the surviving silos as active");
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; last answer {last[..Math.Min(last.Length, 800)]}", ex);
        }
    }

    /// <summary>One posted event: the request body is kept so a failed post can be retried byte for byte.</summary>
    private sealed record PostedEvent(string UserId, string ItemId, string EventId)
    {
        public object Body => new { userId = UserId, itemId = ItemId, type = "click", eventId = EventId };
    }

    /// <summary>One request's fate, timed on the load clock. Status 0: no HTTP answer (connection error, timeout).</summary>
    private sealed record Outcome(bool IsWrite, TimeSpan Start, TimeSpan End, int Status)
    {
        public bool Succeeded => Status is >= 200 and < 300;
    }

    /// <summary>Closed-loop writers (one event per POST, unique eventIds) and readers (recommendations).</summary>
    private sealed class LoadRun(HttpClient http)
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<Outcome> _outcomes = new();
        private readonly ConcurrentQueue<PostedEvent> _acknowledged = new();
        private readonly ConcurrentQueue<PostedEvent> _failed = new();
        private readonly ConcurrentDictionary<long, TimeSpan> _pending = new();
        private int _sequence;
        private long _requests;

        public Stopwatch Clock { get; } = new();

        public IReadOnlyCollection<Outcome> Outcomes => _outcomes;

        /// <summary>Every event the API acknowledged (2xx): the one list the durability checks read.</summary>
        public IReadOnlyCollection<PostedEvent> Acknowledged => _acknowledged;

        /// <summary>Posts that got no 2xx; their events may or may not have landed.</summary>
        public IReadOnlyCollection<PostedEvent> Failed => _failed;

        public TimeSpan? LastFailureEnd => _outcomes.Where(o => !o.Succeeded).Select(o => (TimeSpan?)o.End).Max();

        /// <summary>When the oldest request still waiting for its answer was sent.</summary>
        public TimeSpan? OldestPendingStart => _pending.IsEmpty ? null : _pending.Values.Min();

        public int SucceededSince(TimeSpan since, bool isWrite) => _outcomes.Count(o => o.Succeeded && o.IsWrite == isWrite && o.Start > since);

        public Task[] Start(int writers, int readers)
        {
            Clock.Start();
            return [.. Enumerable.Range(0, writers).Select(_ => Task.Run(WriteLoopAsync)), .. Enumerable.Range(0, readers).Select(r => Task.Run(() => ReadLoopAsync(r)))];
        }

        public void Stop() => _stop.Cancel();

        private async Task WriteLoopAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                var n = Interlocked.Increment(ref _sequence);
                var posted = new PostedEvent($"fo-user-{n % Users}", $"i{1 + (n * 7 % 100)}", $"fo-{n}");
                var status = await TimedAsync(isWrite: true, () => http.PostAsJsonAsync("/v1/events", posted.Body));
                (status is >= 200 and < 300 ? _acknowledged : _failed).Enqueue(posted);
                await Task.Delay(10);
            }
        }

        private async Task ReadLoopAsync(int reader)
        {
            var n = reader;
            while (!_stop.IsCancellationRequested)
            {
                n += Readers;
                await TimedAsync(isWrite: false, () => http.GetAsync($"/v1/users/fo-user-{n % Users}/recommendations?count=10"));
                await Task.Delay(10);
            }
        }

        private async Task<int> TimedAsync(bool isWrite, Func<Task<HttpResponseMessage>> send)
        {
            var id = Interlocked.Increment(ref _requests);
            var start = Clock.Elapsed;
            _pending[id] = start;
            int status;
            try
            {
                using var response = await send();
                status = (int)response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                status = 0;
            }
            // Recorded before it stops being pending, so no failure is ever invisible to the settle check.
            _outcomes.Enqueue(new Outcome(isWrite, start, Clock.Elapsed, status));
            _pending.TryRemove(id, out _);
            return status;
        }
    }

    /// <summary>What the failover cost, relative to the kill.</summary>
    private sealed record FailoverReport(
        int Writes, int Reads, int FailedWrites, int FailedReads,
        TimeSpan? FirstFailureAfterKill, TimeSpan? LastFailureAfterKill, TimeSpan? DeclaredDeadAfter,
        int WritesSucceededAfterLastFailure, int ReadsSucceededAfterLastFailure, TimeSpan? SlowestFailure, string FailureStatuses)
    {
        public static FailoverReport From(IReadOnlyCollection<Outcome> outcomes, TimeSpan killedAt, TimeSpan? declaredDeadAfter)
        {
            var failures = outcomes.Where(o => !o.Succeeded).ToList();
            var lastFailure = failures.Count == 0 ? killedAt : failures.Max(o => o.End);
            var after = outcomes.Where(o => o.Succeeded && o.Start > lastFailure).ToList();
            return new FailoverReport(
                outcomes.Count(o => o.IsWrite), outcomes.Count(o => !o.IsWrite),
                failures.Count(o => o.IsWrite), failures.Count(o => !o.IsWrite),
                failures.Count == 0 ? null : failures.Min(o => o.End) - killedAt,
                failures.Count == 0 ? null : lastFailure - killedAt,
                declaredDeadAfter,
                after.Count(o => o.IsWrite), after.Count(o => !o.IsWrite),
                failures.Count == 0 ? null : failures.Max(o => o.End - o.Start),
                string.Join(", ", failures.GroupBy(o => o.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
        }

        public override string ToString() =>
            $"{Writes} writes ({FailedWrites} failed), {Reads} reads ({FailedReads} failed); failures by status [{FailureStatuses}] " +
            $"from {Seconds(FirstFailureAfterKill)} to {Seconds(LastFailureAfterKill)} after the kill (slowest failure took {Seconds(SlowestFailure)}); " +
            $"silo declared dead after {Seconds(DeclaredDeadAfter)}; " +
            $"afterwards {WritesSucceededAfterLastFailure} writes and {ReadsSucceededAfterLastFailure} reads succeeded";

        private static string Seconds(TimeSpan? t) => t is null ? "-" : $"{t.Value.TotalSeconds:0.0} s";
    }
}

/// <summary>
/// Runs alone, after this assembly's parallel tests: four processes and a closed-loop load on two cores, with
/// failure detection tuned tight, should not share the machine with other tests' processes and trainings.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterFailoverCollection
{
    public const string Name = "cluster-failover";
}
