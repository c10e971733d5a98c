using System.Globalization;
using System.Text;
using System.Text.Json;
using RecSys.Models.Data;

namespace RecSys.Cli.Tests;

public sealed class SessionEvalCommandTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-session-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    /// <summary>
    /// session-rec style TSV (fractional times): 600 sessions walk 3–8 steps along one of 30 topics' fixed cycles of 8
    /// items, a quarter of the events replaced by a random item: the next item follows from the session, the last item
    /// alone misleads after a random one.
    /// </summary>
    private string SequentialSessions(ulong seed = 5)
    {
        var random = new DeterministicRandom(seed);
        var text = new StringBuilder("SessionId\tItemId\tTime\n");
        var time = 1_700_000_000.0;
        for (var s = 0; s < 600; s++)
        {
            var (topic, position, length) = (random.Next(30), random.Next(8), 3 + random.Next(6));
            time += 37.25;
            for (var e = 0; e < length; e++)
            {
                int item;
                if (random.NextDouble() < 0.25)
                {
                    item = random.Next(240);
                }
                else
                {
                    item = topic * 8 + position;
                    position = (position + 1) % 8;
                }
                text.Append(CultureInfo.InvariantCulture, $"{s}\ti{item}\t{time + e * 1.5:0.00}\n");
            }
        }
        var path = Path.Combine(_folder, "sessions.tsv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private Dictionary<string, double> Metric(string metric)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "out", "report.json")));
        return json.RootElement.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("model").GetString()!, r => r.GetProperty("metrics").GetProperty(metric).GetDouble());
    }

    [Fact]
    public void Session_protocol_ranks_sequence_aware_baselines_above_popularity_and_writes_reports_and_the_split()
    {
        var data = SequentialSessions();
        var export = Path.Combine(_folder, "split");

        var exitCode = Run("eval", "--protocol", "session", "--data", $"tsv:{data}", "--models", "pop,spop,ar,sr,sknn,vsknn",
            "--out", Path.Combine(_folder, "out"), "--export-split", export, "--set", "vsknn.k=100");

        Assert.True(exitCode == 0, _error.ToString());
        var table = _output.ToString();
        Assert.Contains("predictions | K=20", table);
        Assert.Matches(@"model\s+hit@20\s+mrr@20\s+ndcg@20\s+coverage@20", table);
        Assert.Matches(@"\nvsknn\s+0\.\d{4}", table);
        Assert.Contains("train 480 sessions", _error.ToString());
        var hit = Metric("hit@20");
        Assert.True(hit["vsknn"] >= hit["sr"], $"vsknn {hit["vsknn"]:0.000} < sr {hit["sr"]:0.000}");
        Assert.True(hit["ar"] > 4 * hit["pop"], $"ar {hit["ar"]:0.000} vs pop {hit["pop"]:0.000}");
        Assert.True(Metric("mrr@20")["sr"] > Metric("mrr@20")["ar"]); // the order within a session matters
        using (var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "out", "report.json"))))
        {
            Assert.Equal("session", json.RootElement.GetProperty("protocol").GetString());
            Assert.Equal(480, json.RootElement.GetProperty("sessions").GetProperty("train").GetInt32());
            Assert.True(json.RootElement.GetProperty("predictions").GetInt32() > 300);
        }
        Assert.Contains("| vsknn |", File.ReadAllText(Path.Combine(_folder, "out", "report.md")));
        var train = File.ReadAllLines(Path.Combine(export, "train.tsv"));
        Assert.Equal("SessionId\tItemId\tTime", train[0]);
        Assert.StartsWith("1\t", train[1]);
        Assert.True(File.ReadAllLines(Path.Combine(export, "test.tsv")).Length > 100);
    }

    [Fact]
    public void Excluding_seen_items_leaves_s_pop_with_plain_popularity()
    {
        var data = SequentialSessions(seed: 6);

        Assert.Equal(0, Run("eval", "--protocol", "session", "--data", $"tsv:{data}", "--models", "pop,spop", "--k", "10", "--out", Path.Combine(_folder, "out")));
        var repeats = Metric("mrr@10");
        Assert.Equal(0, Run("eval", "--protocol", "session", "--data", $"tsv:{data}", "--models", "pop,spop", "--k", "10", "--exclude-seen", "--out", Path.Combine(_folder, "out")));
        var excluded = Metric("mrr@10");

        Assert.Contains("prefix items excluded", _output.ToString());
        Assert.NotEqual(repeats["pop"], repeats["spop"]);  // S-POP puts the prefix first ...
        Assert.Equal(excluded["pop"], excluded["spop"]);   // ... and without it, it is popularity
    }

    [Fact]
    public void Sequence_models_run_on_the_session_protocol_with_either_gru4rec_loss()
    {
        var data = SequentialSessions(seed: 7);

        var exitCode = Run("eval", "--protocol", "session", "--data", $"tsv:{data}", "--models", "gru4rec,sasrec", "--device", "cpu",
            "--set", "gru4rec.epochs=2", "--set", "gru4rec.hidden=16", "--set", "gru4rec.loss=bprmax",
            "--set", "sasrec.epochs=2", "--set", "sasrec.hidden=16", "--set", "sasrec.max_len=8", "--set", "sasrec.eval_every=1",
            "--out", Path.Combine(_folder, "out"));

        Assert.True(exitCode == 0, _error.ToString());
        Assert.Matches(@"\ngru4rec\s+0\.\d{4}", _output.ToString());
        Assert.Matches(@"\nsasrec\s+0\.\d{4}", _output.ToString());
        Assert.Contains("loss=bprmax", File.ReadAllText(Path.Combine(_folder, "out", "report.md")));
        Assert.DoesNotContain("NaN", _error.ToString());
    }

    [Fact]
    public void Test_days_and_sessionised_user_data_work()
    {
        // Users with two bursts of activity two days apart: --sessions 1h makes two sessions of each.
        var text = new StringBuilder("user,item,timestamp\n");
        for (var u = 0; u < 40; u++)
        {
            for (var burst = 0; burst < 2; burst++)
            {
                for (var e = 0; e < 4; e++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"u{u},m{(u + e + burst) % 12},{1_000_000 + u * 3600 + burst * 2 * 86_400 + e * 60}\n");
                }
            }
        }
        var path = Path.Combine(_folder, "users.csv");
        File.WriteAllText(path, text.ToString());

        Assert.Equal(0, Run("data", "stats", "--data", $"csv:{path}", "--sessions", "1h"));
        Assert.Contains("users                 80\n", _output.ToString());
        Assert.Equal(0, Run("eval", "--protocol", "session", "--data", $"csv:{path}", "--sessions", "30m", "--test-days", "1", "--models", "sr"));
        Assert.Contains("sessions ending in the last 1 day", _output.ToString());
    }

    [Theory]
    [InlineData("eval", "--data", "synthetic", "--protocol", "msr", "--exclude-seen")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "loo", "--test-days", "3")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr", "--test-share", "0.1")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--export-split", "x")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--test-share", "1.5")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--test-share", "0.2", "--test-days", "2")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--test-days", "0")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--models", "itemcf")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--models", "vsknn", "--set", "vsknn.k=0")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--models", "sr", "--set", "vsknn.k=5")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--models", "gru4rec", "--set", "gru4rec.loss=hinge")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--sampled", "100")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--ties", "maybe")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--recall", "pop")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "session", "--sessions", "5x")]
    [InlineData("data", "stats", "--data", "synthetic", "--sessions", "0s")]
    public void Bad_session_arguments_exit_with_code_2(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString().Split('\n').Last(l => l.Length > 0));
    }

    [Fact]
    public void A_split_without_test_sessions_is_a_usage_error()
    {
        // Every later session holds only items nobody saw before: nothing is left to predict.
        var path = Path.Combine(_folder, "disjoint.tsv");
        File.WriteAllText(path, "SessionId\tItemId\tTime\n1\ta\t1\n1\tb\t2\n2\tc\t3\n2\td\t4\n3\te\t5\n3\tf\t6\n");

        Assert.Equal(2, Run("eval", "--protocol", "session", "--data", $"tsv:{path}", "--test-share", "0.5"));
        Assert.Contains("leaves 1 training and 0 test sessions", _error.ToString());
    }

    [Fact]
    public void Models_lists_the_session_models_and_their_options()
    {
        Assert.Equal(0, Run("models"));
        var text = _output.ToString();

        Assert.Contains("session models", text);
        Assert.Contains("vsknn.k=100", text);
        Assert.Contains("vsknn.weighting=linear", text);
        Assert.Contains("sknn.sample=500", text);
        Assert.Contains("sr.steps=10", text);
        Assert.Contains("ar.max_rules=500", text);
        Assert.Contains("gru4rec.loss=crossentropy", text);
        Assert.Matches(@"\nspop\s+S-POP", text);
    }
}
