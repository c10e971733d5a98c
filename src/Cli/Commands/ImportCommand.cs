using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys import --url http://127.0.0.1:5080 --data &lt;spec&gt; [--as users|sessions] [--batch 5000]
/// [--checkpoint file] [--restart]</c>: posts a dataset's interactions into a running service as events, in time order and
/// in batches, so its users (or sessions) are live with that history and, in PostgreSQL mode, the event log holds it.
/// Each interaction gets a stable id ("dataset-&lt;fingerprint&gt;-&lt;n&gt;", its position in its user's history: the
/// ids a silo gives the same data loaded with <c>--data</c>), so an import repeated, interrupted or overlapping the
/// loaded data counts every interaction once. Progress is kept in a checkpoint file (the number of events
/// acknowledged), so a second run resumes where the first stopped; a refused batch (503, a network error) is retried
/// with back-off before the command gives up.
/// </summary>
internal static class ImportCommand
{
    public const int MaxBatch = 10_000;
    private const int Attempts = 6;

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(args, ["--url", "--data", "--as", "--batch", "--checkpoint", "--min-rating", "--k-core", "--sessions"], ["--restart", "--skip-bad-lines"]);
        var url = CommonOptions.ApiUrl(arguments);
        var subjects = (arguments.Optional("--as") ?? "users").ToLowerInvariant();
        if (subjects is not ("users" or "sessions"))
        {
            throw new UsageException($"--as '{subjects}' is not users or sessions");
        }
        var batch = arguments.Int("--batch", 5000, 1, MaxBatch);
        var dataset = DataLoading.Load(arguments, error);
        var checkpoint = arguments.Optional("--checkpoint") ?? $".recsys-import-{dataset.Fingerprint[..12]}";
        var start = arguments.Has("--restart") || !File.Exists(checkpoint) ? 0 : ReadCheckpoint(checkpoint);

        var events = Events(dataset);
        if (start > events.Count)
        {
            throw new UsageException($"checkpoint {checkpoint} says {start:N0} events were imported, but {dataset.Name} has {events.Count:N0}; is it another dataset's? (--restart ignores it)");
        }
        error.WriteLine($"import: {dataset.Name}: {events.Count:N0} events of {dataset.UserCount:N0} {subjects} into {url}{(start > 0 ? $", resuming after {start:N0} (checkpoint {checkpoint})" : "")}");
        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromMinutes(2) };
        using var progress = new ConsoleProgress(error, "importing");
        var (accepted, duplicates) = RunAsync(http, events, start, batch, subjects == "sessions", checkpoint, progress).GetAwaiter().GetResult();
        output.WriteLine($"import: {events.Count - start:N0} events sent: {accepted - duplicates:N0} new, {duplicates:N0} already known (checkpoint {checkpoint})");
        return CliApp.Success;
    }

    /// <summary>Every interaction as an event with its stable id, in time order (ties keep each user's order).</summary>
    internal static List<ImportEvent> Events(InteractionDataset dataset)
    {
        var explicitRatings = dataset.Interactions.Any(i => i.Rating != 1f);
        var prefix = "dataset-" + dataset.Fingerprint[..12] + "-";
        var events = new List<ImportEvent>(dataset.Interactions.Length);
        var byUser = dataset.InteractionsByUser();
        for (var user = 0; user < byUser.Length; user++)
        {
            for (var n = 0; n < byUser[user].Length; n++)
            {
                var i = byUser[user][n];
                events.Add(new ImportEvent(dataset.Users[user], dataset.Items[i.Item], explicitRatings ? "rating" : "view",
                    explicitRatings ? i.Rating : null, i.Timestamp, prefix + n.ToString(CultureInfo.InvariantCulture)));
            }
        }
        // Stable: a user's events keep their order among equal times.
        return [.. events.Select((e, position) => (e, position)).OrderBy(x => x.e.Timestamp).ThenBy(x => x.position).Select(x => x.e)];
    }

    internal static async Task<(long Accepted, long Duplicates)> RunAsync(HttpClient http, IReadOnlyList<ImportEvent> events, int start, int batch, bool sessions, string checkpoint, IProgress<TrainingProgress>? progress)
    {
        long accepted = 0, duplicates = 0;
        for (var next = start; next < events.Count;)
        {
            var count = Math.Min(batch, events.Count - next);
            var part = events.Skip(next).Take(count).ToList();
            if (sessions)
            {
                // The session route takes one session per request.
                foreach (var session in part.GroupBy(e => e.Subject))
                {
                    var (a, d) = await PostAsync(http, $"/v1/sessions/{Uri.EscapeDataString(session.Key)}/events", [.. session.Select(e => e.Body(withSubject: false))]);
                    accepted += a;
                    duplicates += d;
                }
            }
            else
            {
                var (a, d) = await PostAsync(http, "/v1/events", [.. part.Select(e => e.Body(withSubject: true))]);
                accepted += a;
                duplicates += d;
            }
            next += count;
            File.WriteAllText(checkpoint, next.ToString(CultureInfo.InvariantCulture));
            progress?.Report(new TrainingProgress($"{next:N0}/{events.Count:N0}", next / (double)events.Count));
        }
        return (accepted, duplicates);
    }

    private static async Task<(int Accepted, int Duplicates)> PostAsync(HttpClient http, string path, object[] body)
    {
        var json = JsonSerializer.Serialize(body);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var content = new StringContent(json, Encoding.UTF8, "application/json");
                using var response = await http.PostAsync(path, content);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var answer = JsonDocument.Parse(text);
                    return (answer.RootElement.GetProperty("accepted").GetInt32(), answer.RootElement.GetProperty("duplicates").GetInt32());
                }
                if ((int)response.StatusCode is >= 400 and < 500)
                {
                    // The API refuses the data itself: retrying cannot help.
                    throw new UsageException($"{path} answered {(int)response.StatusCode}: {text}");
                }
                if (attempt == Attempts)
                {
                    throw new InvalidOperationException($"{path} answered {(int)response.StatusCode} {attempt} times; run the same command again to resume");
                }
            }
            catch (HttpRequestException ex) when (attempt < Attempts)
            {
                _ = ex; // retried below
            }
            catch (HttpRequestException ex)
            {
                throw new InvalidOperationException($"cannot reach {http.BaseAddress}: {ex.Message}; run the same command again to resume", ex);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200 * Math.Pow(2, attempt)));
        }
    }

    private static int ReadCheckpoint(string path)
    {
        var text = File.ReadAllText(path).Trim();
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var done)
            ? done
            : throw new UsageException($"checkpoint {path} does not hold a count of imported events ('{text}'); fix or delete it, or pass --restart");
    }

    /// <summary>One interaction as the API takes it.</summary>
    internal sealed record ImportEvent(string Subject, string ItemId, string Type, double? Value, long Timestamp, string EventId)
    {
        public object Body(bool withSubject)
        {
            var timestamp = DateTimeOffset.FromUnixTimeSeconds(Timestamp);
            return (withSubject, Value) switch
            {
                (true, { } v) => new { userId = Subject, itemId = ItemId, type = Type, value = v, timestamp, eventId = EventId },
                (true, null) => new { userId = Subject, itemId = ItemId, type = Type, timestamp, eventId = EventId },
                (false, { } v) => (object)new { itemId = ItemId, type = Type, value = v, timestamp, eventId = EventId },
                (false, null) => new { itemId = ItemId, type = Type, timestamp, eventId = EventId },
            };
        }
    }
}
