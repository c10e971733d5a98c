using System.Text.Json;

namespace RecSys.Cli.Tests;

/// <summary>
/// The regression guard of the served defaults: the service as it starts with no settings (the default training, the
/// default channels and ranker), replayed end to end on generated data, must do at least as well as each of its
/// channels served alone, and as popularity. A change of defaults that breaks that fails here before it reaches
/// docs/quality.md's ablation.
/// </summary>
public sealed class ServedDefaultGuardTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-served-guard-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_served_default_is_at_least_as_good_as_each_channel_alone_and_popularity()
    {
        string[] channels = ["sasrec", "gru4rec", "sknn", "itemcf", "popularity"];
        var args = new List<string>
        {
            "replay-eval", "--data", "synthetic:users=200,items=150,seed=11", "--protocol", "loo", "--k", "10",
            // Quality, not latency: a busy test machine must not turn answers into degraded ones.
            "--set", "RecSys:Serving:ChannelTimeout=00:00:05", "--set", "RecSys:Serving:RankTimeout=00:00:10",
            "--variant", "default:",
        };
        foreach (var channel in channels)
        {
            args.AddRange(["--variant", $"{channel}: RecSys:Serving:Channels={channel}; RecSys:Serving:Ranker=none"]);
        }
        args.AddRange(["--out", _folder]);

        var exitCode = CliApp.Run([.. args], _output, _error);

        Assert.True(exitCode == 0, _error.ToString());
        using var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        var results = report.RootElement.GetProperty("variants").EnumerateArray()
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("result"));
        foreach (var result in results.Values)
        {
            Assert.Equal(0, result.GetProperty("errors").GetInt32());
            Assert.Equal(0, result.GetProperty("degradedAnswers").GetInt32());
        }
        var hitRate = results.ToDictionary(r => r.Key, r => r.Value.GetProperty("hitRate").GetDouble());
        var table = _output.ToString();
        Assert.True(hitRate["default"] > hitRate["popularity"], table);
        foreach (var channel in channels)
        {
            Assert.True(hitRate["default"] >= hitRate[channel], $"default below {channel} alone:\n{table}");
        }
    }
}
