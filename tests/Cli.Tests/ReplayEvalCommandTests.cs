using System.Text.Json;

namespace RecSys.Cli.Tests;

/// <summary>recsys replay-eval: the real service in process, the held-out events replayed through its HTTP API.</summary>
public sealed class ReplayEvalCommandTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-replay-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Fact]
    public void Replays_held_out_events_through_the_service_and_reports_served_metrics_per_variant()
    {
        var exitCode = Run(
            "replay-eval", "--data", "synthetic:users=150,items=80,seed=5", "--protocol", "loo", "--k", "10",
            "--set", "train=none",
            "--variant", "default:",
            "--variant", "short history: RecSys:Serving:ItemCfHistory=1",
            "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        var variants = report.RootElement.GetProperty("variants").EnumerateArray().ToList();
        Assert.Equal(["default", "short history"], variants.Select(v => v.GetProperty("name").GetString()));
        var scored = report.RootElement.GetProperty("scored").GetInt32();
        Assert.InRange(scored, 100, 150); // one per user with at least two interactions
        foreach (var variant in variants)
        {
            var result = variant.GetProperty("result");
            Assert.Equal(scored, result.GetProperty("scored").GetInt32());
            Assert.Equal(0, result.GetProperty("errors").GetInt32());
            Assert.InRange(result.GetProperty("hitRate").GetDouble(), 0.0001, 1);
            Assert.InRange(result.GetProperty("coverage").GetDouble(), 0.0001, 1);
        }
        Assert.Contains("HR@10", _output.ToString());
        Assert.True(File.Exists(Path.Combine(_folder, "report.md")));
    }

    [Fact]
    public void Replayed_sessions_find_a_planted_pattern_that_popularity_cannot()
    {
        // Sessions of four clicks: a lead item, its partner (lead + 50), another lead, its partner. Two of the three
        // predictions per session follow from the item before; a third of them are a coin toss among 50 leads.
        var random = new Random(3);
        var lines = new List<string> { "SessionId\tItemId\tTime" };
        for (var s = 0; s < 700; s++)
        {
            var time = 1_600_000_000L + s * 600;
            int a = random.Next(50), b = random.Next(50);
            int[] items = [a, a + 50, b, b + 50];
            lines.AddRange(items.Select((item, n) => $"{s}\t{item}\t{time + n * 10}"));
        }
        var file = Path.Combine(_folder, "sessions.tsv");
        File.WriteAllLines(file, lines);

        var exitCode = Run(
            "replay-eval", "--data", "tsv:" + file, "--protocol", "session", "--k", "5", "--set", "train=none",
            "--variant", "served: RecSys:Serving:Channels=history,sknn,itemcf,popularity",
            "--variant", "popularity: RecSys:Serving:Channels=popularity",
            "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        var hits = report.RootElement.GetProperty("variants").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("result").GetProperty("hitRate").GetDouble());
        Assert.Equal(140 * 3, report.RootElement.GetProperty("scored").GetInt32()); // the last fifth of the sessions
        Assert.InRange(hits["served"], 0.6, 1);
        Assert.InRange(hits["popularity"], 0, 0.3);
    }

    [Fact]
    public void Validation_replays_inside_the_training_part_and_never_touches_the_test_events()
    {
        const string data = "synthetic:users=60,items=40,seed=4";
        var dataset = RecSys.Models.Data.DatasetSpec.Parse(data).Load();
        var test = RecSys.Models.Evaluation.ReplayPlan.LeaveOneOut(dataset);
        var inner = RecSys.Models.Evaluation.ReplayPlan.LeaveOneOut(test.Train);

        var exitCode = Run("replay-eval", "--data", data, "--protocol", "loo", "--set", "train=none", "--validation", "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        Assert.StartsWith("validation: ", report.RootElement.GetProperty("protocol").GetString());
        Assert.Equal(inner.ScoredCount, report.RootElement.GetProperty("scored").GetInt32());
        // The service serves the training part minus the validation events: fewer interactions than the test run's.
        Assert.Equal(inner.Train.Interactions.Length, report.RootElement.GetProperty("served").GetProperty("interactions").GetInt32());
        Assert.True(inner.Train.Interactions.Length < test.Train.Interactions.Length);
    }

    [Fact]
    public void Exports_the_training_part_for_a_service_started_by_hand()
    {
        var exitCode = Run("replay-eval", "--data", "synthetic:users=50,items=30,seed=2", "--protocol", "loo", "--export-train", _folder);

        Assert.Equal(0, exitCode);
        var lines = File.ReadAllLines(Path.Combine(_folder, "train.jsonl"));
        Assert.Equal(RecSys.Models.Evaluation.ReplayPlan.LeaveOneOut(RecSys.Models.Data.DatasetSpec.Parse("synthetic:users=50,items=30,seed=2").Load()).Train.Interactions.Length, lines.Length);
        Assert.Contains("--data \"jsonl:", _output.ToString());
    }

    [Theory]
    [InlineData("--protocol", "random")]
    [InlineData("--variant", "no name given")]
    [InlineData("--set", "NoSuchSwitch=1")]
    [InlineData("--set", "train")]
    [InlineData("--url", "ftp://x")]
    public void Bad_arguments_exit_with_code_2(string option, string value)
    {
        Assert.Equal(2, Run("replay-eval", "--data", "synthetic:users=50,items=30", option, value));
        Assert.StartsWith("recsys: ", _error.ToString().Split('\n').Last(l => l.Length > 0));
    }

    [Fact]
    public void A_bad_serving_setting_is_a_usage_error_naming_it()
    {
        Assert.Equal(2, Run("replay-eval", "--data", "synthetic:users=50,items=30", "--protocol", "loo", "--set", "RecSys:Serving:ChannelQuota=0"));
        Assert.Contains("ChannelQuota", _error.ToString());
    }
}
