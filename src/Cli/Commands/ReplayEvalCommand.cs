using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using RecSys.Cli.Replay;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Cli.Commands;

/// <summary>
/// <c>recsys replay-eval --data &lt;spec&gt; [--protocol temporal|loo|session] [--k 10] [--url &lt;api&gt; | --variant "name:
/// key=value; ..."]... [--set key=value]... [--artifacts folder] [--parallel 4] [--limit N] [--out folder]
/// [--export-train folder]</c>: served (prequential) evaluation. Splits the data by the protocol, serves the training part
/// with the real service (in this process, or the API at <c>--url</c> that was started on the exported training
/// part), replays the held-out events in time order — recommendations before each event, the event after — and
/// scores what was served: HR, MRR, nDCG at K, catalogue coverage, degraded answers, errors and latency.
/// Variants are serving configurations compared in one run, each in a fresh service; variants that train the same
/// models share the trained version.
/// </summary>
internal static class ReplayEvalCommand
{
    public static readonly string[] Protocols = ["temporal", "loo", "session"];

    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        var arguments = Arguments.Parse(
            args,
            ["--data", "--protocol", "--k", "--url", "--variant", "--set", "--artifacts", "--parallel", "--limit", "--out", "--export-train", "--test-share", "--test-days", "--ready-timeout", "--min-rating", "--k-core", "--sessions"],
            ["--skip-bad-lines", "--validation"],
            repeatable: ["--variant", "--set"]);
        var protocol = (arguments.Optional("--protocol") ?? "temporal").ToLowerInvariant();
        if (!Protocols.Contains(protocol))
        {
            throw new UsageException($"--protocol '{protocol}' is not one of {string.Join(", ", Protocols)}");
        }
        var k = arguments.Int("--k", protocol == "session" ? 20 : 10, 1, 500);
        var parallel = arguments.Int("--parallel", 4, 1, 256);
        int? limit = arguments.Optional("--limit") is null ? null : arguments.Int("--limit", 0, 1, int.MaxValue);
        var testShare = arguments.Double("--test-share", 0.2, 0.001, 0.999);
        if (protocol == "loo" && arguments.Optional("--test-share") is not null)
        {
            throw new UsageException("--test-share belongs to --protocol temporal or session");
        }
        int? testDays = arguments.Optional("--test-days") is null ? null : arguments.Int("--test-days", 1, 1, 100_000);
        if (testDays is not null && (protocol != "session" || arguments.Optional("--test-share") is not null))
        {
            throw new UsageException("--test-days belongs to --protocol session, instead of --test-share");
        }
        var readyTimeout = TimeSpan.FromMinutes(arguments.Double("--ready-timeout", 60, 0.1, 24 * 60));
        var url = arguments.Optional("--url") is null ? null : CommonOptions.ApiUrl(arguments);
        var shared = ParseSettings(arguments.All("--set"), "--set");
        var variants = arguments.All("--variant").Select(ParseVariant).ToList();
        if (variants.Count == 0)
        {
            variants.Add(new Variant("default", new Dictionary<string, string>()));
        }
        if (variants.Select(v => v.Name).Distinct(StringComparer.Ordinal).Count() != variants.Count)
        {
            throw new UsageException("two --variant options have the same name");
        }
        if (url is not null && (arguments.All("--variant").Count > 0 || shared.Count > 0 || arguments.Optional("--artifacts") is not null))
        {
            throw new UsageException("--url replays against a running API as it is configured: --variant, --set and --artifacts configure the in-process service");
        }
        var exportFolder = arguments.Optional("--export-train");
        var outFolder = CommonOptions.ReportFolder(arguments);

        InteractionDataset dataset;
        using (var loading = new ConsoleProgress(error, "loading"))
        {
            dataset = DataLoading.Load(arguments, error);
            loading.Report(new TrainingProgress(dataset.Name, 1));
        }
        ReplayPlan Split(InteractionDataset data) => protocol switch
        {
            "loo" => ReplayPlan.LeaveOneOut(data),
            "session" => ReplayPlan.Sessions(SessionSplit.Create(data, new SessionSplitOptions { TestShare = testShare, TestDays = testDays })),
            _ => ReplayPlan.Temporal(data, testShare),
        };
        var plan = Split(dataset);
        if (arguments.Has("--validation"))
        {
            // Settings are tuned here: the same protocol inside the training part, the test part never seen.
            var inner = Split(plan.Train);
            plan = inner with { Protocol = $"validation: {inner.Protocol} inside the training part of {plan.Protocol}" };
        }
        if (plan.ScoredCount == 0)
        {
            throw new UsageException($"{plan.Protocol} leaves nothing to replay in {dataset.Name}; use more data");
        }
        error.WriteLine($"{dataset.Name}: {plan.Protocol}: serving {plan.Train.Interactions.Length:N0} interactions " +
                        $"({plan.Train.UserCount:N0} users, {plan.Train.ItemCount:N0} items); replaying {plan.Events.Count:N0} events, {plan.ScoredCount:N0} scored at K={k}");

        if (exportFolder is not null)
        {
            var spec = ExportTrain(plan, exportFolder);
            output.WriteLine($"wrote the training part; start the API on it with:{Environment.NewLine}  dotnet run -c Release --project src/Api -- --data \"{spec}\"");
            output.WriteLine($"then: recsys replay-eval --data {arguments.Require("--data")} --protocol {protocol} --url http://127.0.0.1:5080");
            return CliApp.Success;
        }

        var results = new List<(Variant Variant, ReplayEvalResult Result)>();
        if (url is not null)
        {
            results.Add((new Variant("api " + url, new Dictionary<string, string>()), ReplayAgainst(url, plan, k, parallel, limit, error)));
        }
        else
        {
            var artifactsRoot = arguments.Optional("--artifacts");
            var temporary = artifactsRoot is null;
            artifactsRoot ??= Path.Combine(Path.GetTempPath(), "recsys-replay-" + Guid.NewGuid().ToString("N")[..8]);
            try
            {
                foreach (var variant in variants)
                {
                    var settings = new Dictionary<string, string>(shared, StringComparer.Ordinal);
                    foreach (var (key, value) in variant.Settings)
                    {
                        settings[key] = value;
                    }
                    error.WriteLine($"variant {variant.Name}: {(settings.Count == 0 ? "defaults" : string.Join("; ", settings.Select(s => s.Key + "=" + s.Value)))}");
                    // A variant serves differently; it trains differently only through RecSys:Models:* of its own. The
                    // version is trained here, once per training configuration, with the shared serving settings
                    // (they shape the ranker's lists), and every service of that configuration activates it.
                    var training = new Dictionary<string, string>(shared, StringComparer.Ordinal);
                    foreach (var (key, value) in variant.Settings.Where(s => IsTraining(s.Key)))
                    {
                        training[key] = value;
                    }
                    var artifacts = Path.Combine(artifactsRoot, TrainingKey(training));
                    ReplayTraining.EnsureVersion(plan.Train, training, artifacts, error);
                    var host = ReplayHost.StartAsync(plan.Train, settings, artifacts, readyTimeout, error, CancellationToken.None).GetAwaiter().GetResult();
                    try
                    {
                        results.Add((variant with { Settings = settings }, ReplayAgainst(host.Address, plan, k, parallel, limit, error)));
                    }
                    finally
                    {
                        host.DisposeAsync().AsTask().GetAwaiter().GetResult();
                    }
                }
            }
            finally
            {
                if (temporary && Directory.Exists(artifactsRoot))
                {
                    Directory.Delete(artifactsRoot, recursive: true);
                }
            }
        }

        var report = new ReplayReport(dataset.Name, plan, k, limit, results, Environment.CommandLine);
        output.Write(report.ToTable());
        CommonOptions.WriteReport(outFolder, report.ToMarkdown(), report.ToJson(), error);
        return CliApp.Success;
    }

    private static ReplayEvalResult ReplayAgainst(Uri address, ReplayPlan plan, int k, int parallel, int? limit, TextWriter error)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = parallel * 2, PooledConnectionLifetime = TimeSpan.FromMinutes(10) })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        using var progress = new ConsoleProgress(error, "replaying");
        try
        {
            return new ReplayRunner(http, plan, k, parallel, limit).RunAsync(progress, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (HttpRequestException ex)
        {
            throw new UsageException($"cannot reach {address}: {ex.Message}");
        }
    }

    /// <summary>
    /// One artifacts folder per training configuration: the models and their settings, and the serving settings that
    /// shape the ranker's lists, so a kept <c>--artifacts</c> folder never serves a version trained otherwise.
    /// </summary>
    private static string TrainingKey(IReadOnlyDictionary<string, string> training)
    {
        var text = string.Join(";", training
            .Select(s => (Key: ReplayHost.ConfigurationKey(s.Key), s.Value))
            .Where(s => IsTraining(s.Key) || s.Key.StartsWith(Grains.Serving.ServingOptions.Section + ":", StringComparison.OrdinalIgnoreCase))
            .OrderBy(s => s.Key, StringComparer.OrdinalIgnoreCase)
            .Select(s => s.Key + "=" + s.Value));
        return text.Length == 0 ? "default" : "t" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..10];
    }

    /// <summary>True for a setting that changes what is trained (RecSys:Models:Train, TrainSettings).</summary>
    private static bool IsTraining(string key) =>
        ReplayHost.ConfigurationKey(key).StartsWith(Grains.Serving.ModelLifecycleOptions.Section + ":Train", StringComparison.OrdinalIgnoreCase);

    private static Variant ParseVariant(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        // "name: key=value; ..." — a configuration path has colons too, so the name ends at the first ": " or at a
        // colon followed by nothing.
        var separator = text.IndexOf(": ", StringComparison.Ordinal);
        if (separator < 0 && colon == text.Length - 1)
        {
            separator = colon;
        }
        if (separator <= 0)
        {
            throw new UsageException($"--variant '{text}' is not \"name: key=value; key=value\" (e.g. \"no ranker: RecSys:Serving:Ranker=none\")");
        }
        var name = text[..separator].Trim();
        var settings = ParseSettings(text[(separator + 1)..].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), $"--variant '{name}'");
        return new Variant(name, settings);
    }

    private static Dictionary<string, string> ParseSettings(IEnumerable<string> entries, string option)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"{option}: '{entry}' is not key=value");
            }
            var key = entry[..eq].Trim();
            _ = ReplayHost.ConfigurationKey(key); // a typo is an error now, not after minutes of training
            settings[key] = entry[(eq + 1)..].Trim();
        }
        return settings;
    }

    /// <summary>
    /// Writes the training part as JSON lines (interactions, and the catalogue when items have metadata) for an API
    /// started by hand; returns the data spec to start it with. User attributes (MovieLens demographics) are not
    /// written: a generic file has no place for them.
    /// </summary>
    private static string ExportTrain(ReplayPlan plan, string folder)
    {
        Directory.CreateDirectory(folder);
        var train = plan.Train;
        var interactions = Path.Combine(folder, "train.jsonl");
        using (var writer = new StreamWriter(interactions, false, new UTF8Encoding(false)))
        {
            foreach (var i in train.Interactions)
            {
                writer.WriteLine(JsonSerializer.Serialize(new { user = train.Users[i.User], item = train.Items[i.Item], rating = i.Rating, timestamp = i.Timestamp }));
            }
        }
        if (!train.ItemInfos.Any(i => i.Title.Length > 0 || i.Categories.Count > 0 || i.Tags.Count > 0))
        {
            return "jsonl:" + Path.GetFullPath(interactions);
        }
        var items = Path.Combine(folder, "items.jsonl");
        using (var writer = new StreamWriter(items, false, new UTF8Encoding(false)))
        {
            foreach (var item in train.ItemInfos)
            {
                writer.WriteLine(JsonSerializer.Serialize(new { itemId = item.Id, title = item.Title, categories = item.Categories, tags = item.Tags }));
            }
        }
        return $"jsonl:{Path.GetFullPath(interactions)}#items={Path.GetFullPath(items)}";
    }

    internal sealed record Variant(string Name, IReadOnlyDictionary<string, string> Settings);
}

/// <summary>The outcome of <c>recsys replay-eval</c>: a console table, report.md and report.json.</summary>
internal sealed record ReplayReport(
    string Dataset,
    ReplayPlan Plan,
    int K,
    int? Limit,
    IReadOnlyList<(ReplayEvalCommand.Variant Variant, ReplayEvalResult Result)> Results,
    string CommandLine)
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private string[] Header => ["variant", $"HR@{K}", $"MRR@{K}", $"nDCG@{K}", "coverage", "degraded", "errors", "get p50 ms", "get p99 ms", "scored", "replay s"];

    private IEnumerable<string[]> Rows => Results.Select(r => new[]
    {
        r.Variant.Name,
        F(r.Result.HitRate), F(r.Result.Mrr), F(r.Result.Ndcg), F(r.Result.Coverage),
        r.Result.DegradedAnswers.ToString(CultureInfo.InvariantCulture),
        r.Result.Errors.ToString(CultureInfo.InvariantCulture),
        r.Result.GetP50.ToString("0.0", CultureInfo.InvariantCulture),
        r.Result.GetP99.ToString("0.0", CultureInfo.InvariantCulture),
        r.Result.Scored.ToString(CultureInfo.InvariantCulture),
        r.Result.Seconds.ToString("0", CultureInfo.InvariantCulture),
    });

    public string ToTable()
    {
        var rows = Rows.ToList();
        var widths = Header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{Dataset} | {Plan.Protocol} | served, prequential | K={K}");
        text.AppendLine(string.Join("  ", Header.Select((h, c) => c == 0 ? h.PadRight(widths[c]) : h.PadLeft(widths[c]))));
        foreach (var row in rows)
        {
            text.AppendLine(string.Join("  ", row.Select((v, c) => c == 0 ? v.PadRight(widths[c]) : v.PadLeft(widths[c]))));
        }
        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"# recsys replay-eval: {Dataset}");
        text.AppendLine();
        text.AppendLine(CultureInfo.InvariantCulture, $"- protocol: `{Plan.Protocol}`; served: {Plan.Train.Interactions.Length:N0} interactions, {Plan.Train.UserCount:N0} users, {Plan.Train.ItemCount:N0} items; replayed {Plan.Events.Count:N0} events ({Plan.ScoredCount:N0} scored){(Limit is { } l ? $", first {l:N0} only" : "")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"- command: `{CommandLine}`");
        text.AppendLine(CultureInfo.InvariantCulture, $"- machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}");
        text.AppendLine();
        text.AppendLine("| " + string.Join(" | ", Header) + " |");
        text.AppendLine("|---|" + string.Concat(Enumerable.Repeat("---:|", Header.Length - 1)));
        foreach (var row in Rows)
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }
        text.AppendLine();
        foreach (var (variant, result) in Results)
        {
            var line = $"- **{variant.Name}**: {(variant.Settings.Count == 0 ? "defaults" : string.Join("; ", variant.Settings.Select(s => $"`{s.Key}={s.Value}`")))}; " +
                $"version {string.Join(", ", result.ModelVersions.DefaultIfEmpty("none"))}, ranker {string.Join(", ", result.Rankers)}; " +
                $"hits by channel: {string.Join(", ", result.HitsByChannel.Select(h => $"{h.Key} {h.Value}"))}; " +
                $"items served by channel: {string.Join(", ", result.ItemsByChannel.Select(h => $"{h.Key} {h.Value}"))}" +
                (result.DegradedAnswers > 0 ? $"; degraded: {string.Join(", ", result.DegradedStages.Select(h => $"{h.Key} {h.Value}"))}" : "") +
                (result.Errors > 0 ? $"; errors: {string.Join(", ", result.ErrorKinds.Select(h => $"{h.Key} {h.Value}"))}" : "");
            text.AppendLine(line);
        }
        return text.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(new
    {
        dataset = Dataset,
        protocol = Plan.Protocol,
        k = K,
        served = new { interactions = Plan.Train.Interactions.Length, users = Plan.Train.UserCount, items = Plan.Train.ItemCount },
        events = Plan.Events.Count,
        scored = Plan.ScoredCount,
        limit = Limit,
        commandLine = CommandLine,
        machine = new { cores = Environment.ProcessorCount, os = System.Runtime.InteropServices.RuntimeInformation.OSDescription },
        variants = Results.Select(r => new { name = r.Variant.Name, settings = r.Variant.Settings, result = r.Result }),
    }, Json);

    private static string F(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
