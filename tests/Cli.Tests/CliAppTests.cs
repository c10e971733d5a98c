using System.Text;

namespace RecSys.Cli.Tests;

public sealed class CliAppTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-cli-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Fact]
    public void Data_stats_reports_counts_density_and_the_rating_histogram()
    {
        File.WriteAllText(Path.Combine(_folder, "u.data"), "1\t10\t5\t0\n1\t11\t4\t86400\n2\t10\t5\t172800\n", Encoding.Latin1);

        var exitCode = Run("data", "stats", "--data", "movielens-100k:" + _folder);
        var report = _output.ToString();

        Assert.Equal(0, exitCode);
        Assert.Contains("users                 2\n", report);
        Assert.Contains("items                 2\n", report);
        Assert.Contains("interactions          3\n", report);
        Assert.Contains("density               75.000 %", report);
        Assert.Contains("time span             1970-01-01 .. 1970-01-03", report);
        Assert.Matches(@"\n\s+4\s+1\s+33\.3 %\s+#{20}\n", report);
        Assert.Matches(@"\n\s+5\s+2\s+66\.7 %\s+#{40}\n", report);
        Assert.Equal("", _error.ToString());
    }

    [Fact]
    public void Data_stats_works_on_the_synthetic_dataset()
    {
        Assert.Equal(0, Run("data", "stats", "--data", "synthetic:users=100,items=50,seed=1"));
        Assert.Contains("users                 100\n", _output.ToString());
    }

    [Theory]
    [InlineData("data", "stats")]
    [InlineData("data", "stats", "--data")]
    [InlineData("data", "stats", "--date", "synthetic")]
    [InlineData("data", "stats", "--data", "csv:/tmp/x")]
    [InlineData("data", "stats", "--data", "movielens-100k:/no/such/folder")]
    [InlineData("train", "everything")]
    public void Bad_arguments_exit_with_code_2_and_a_message(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString());
    }

    [Fact]
    public void A_malformed_data_file_is_reported_with_its_line_and_code_2()
    {
        File.WriteAllText(Path.Combine(_folder, "u.data"), "1\t10\t5\t0\n1\t11\n");

        Assert.Equal(2, Run("data", "stats", "--data", "movielens-100k:" + _folder));
        Assert.Contains("u.data:2:", _error.ToString());
    }

    [Fact]
    public void Help_is_printed_on_request_and_when_nothing_is_asked()
    {
        Assert.Equal(0, Run("--help"));
        Assert.Contains("usage: recsys", _output.ToString());
        Assert.Equal(2, Run());
    }
}

public sealed class EvalCommandTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-eval-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Fact]
    public void Eval_prints_a_comparison_table_and_writes_both_reports()
    {
        var exitCode = Run(
            "eval", "--data", "synthetic:users=200,items=80,seed=4", "--protocol", "msr", "--models", "pop,itemcf,ease",
            "--k", "5", "--seed", "3", "--set", "itemcf.k=20", "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        var table = _output.ToString();
        Assert.Contains("full ranking", table);
        Assert.Matches(@"\nitemcf\s+0\.\d{4}", table);
        Assert.Contains("ndcg@5", table);

        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        var root = json.RootElement;
        Assert.Equal("synthetic(users=200,items=80,seed=4)", root.GetProperty("dataset").GetString());
        Assert.Equal("msr", root.GetProperty("protocol").GetString());
        Assert.Equal(5, root.GetProperty("k").GetInt32());
        var results = root.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(["pop", "itemcf", "ease"], results.Select(r => r.GetProperty("model").GetString()));
        Assert.All(results, r =>
        {
            Assert.InRange(r.GetProperty("metrics").GetProperty("ndcg@5").GetDouble(), 0.0, 1.0);
            Assert.True(r.GetProperty("trainSeconds").GetDouble() >= 0);
            Assert.True(r.GetProperty("evalSeconds").GetDouble() >= 0);
        });
        Assert.Contains("k=20", results[1].GetProperty("options").GetString());
        var markdown = File.ReadAllText(Path.Combine(_folder, "report.md"));
        Assert.Contains("| itemcf |", markdown);
        Assert.Contains("full ranking", markdown);
    }

    [Fact]
    public void Sampled_evaluation_is_labelled_in_the_table_and_the_json()
    {
        Assert.Equal(0, Run("eval", "--data", "synthetic:users=100,items=60,seed=4", "--protocol", "loo", "--models", "pop", "--sampled", "20", "--out", _folder));

        Assert.Contains("sampled (20 negatives per user)", _output.ToString());
        var json = File.ReadAllText(Path.Combine(_folder, "report.json"));
        Assert.Contains("\"ndcg@10/sampled20\"", json);
        Assert.Contains("sampled (20 negatives per user)", json);
    }

    [Theory]
    [InlineData("eval")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "kfold")]
    [InlineData("eval", "--data", "synthetic", "--models", "pop,svd")]
    [InlineData("eval", "--data", "synthetic", "--models", "pop", "--set", "itemcf.k=5")]
    [InlineData("eval", "--data", "synthetic", "--models", "itemcf", "--set", "itemcf.neighbors=5")]
    [InlineData("eval", "--data", "synthetic", "--models", "itemcf", "--set", "itemcf.k")]
    [InlineData("eval", "--data", "synthetic", "--k", "0")]
    [InlineData("eval", "--data", "synthetic", "--seed", "-1")]
    [InlineData("eval", "--data", "synthetic", "--device", "tpu")]
    [InlineData("eval", "--data", "synthetic", "--k", "10", "--k", "5")]
    [InlineData("eval", "--data", "synthetic", "--models", ",")]
    [InlineData("eval", "--data", "synthetic", "--models", "als", "--set", "als.factors=50000")]
    [InlineData("eval", "--data", "synthetic", "--models", "usercf", "--set", "usercf.k=1000000000")]
    [InlineData("eval", "--data", "synthetic:users=50,items=30", "--k-core", "1000")]
    [InlineData("eval", "--data", "synthetic:users=110000000")]
    [InlineData("eval", "--data", "synthetic:users=100,items=2000", "--models", "ease", "--set", "ease.max_items=1000")]
    public void Bad_eval_arguments_exit_with_code_2(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString().Split('\n').Last(l => l.Length > 0));
    }

    [Fact]
    public void An_out_path_that_is_a_file_fails_before_any_training()
    {
        var file = Path.Combine(_folder, "taken");
        File.WriteAllText(file, "not a folder");

        Assert.Equal(2, Run("eval", "--data", "synthetic", "--models", "bpr", "--out", file));
        Assert.Contains("is a file", _error.ToString());
        Assert.DoesNotContain("training bpr", _error.ToString());
    }

    [Fact]
    public void A_timestamp_beyond_year_9999_is_a_data_error_not_a_crash()
    {
        File.WriteAllText(Path.Combine(_folder, "u.data"), "1\t1\t5\t999999999999\n");

        Assert.Equal(2, Run("data", "stats", "--data", "movielens-100k:" + _folder));
        Assert.Contains("u.data:1:", _error.ToString());
    }

    [Fact]
    public void Models_lists_every_option_with_its_default()
    {
        Assert.Equal(0, Run("models"));
        Assert.Contains("itemcf.k=100", _output.ToString());
        Assert.Contains("bpr.optimizer=sgd", _output.ToString());
    }
}

public sealed class TrainCommandTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-train-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void Train_writes_a_loadable_artifact_per_model()
    {
        var exitCode = CliApp.Run(
            ["train", "--data", "synthetic:users=120,items=60,seed=5", "--models", "gru4rec,sasrec", "--out", _folder,
             "--set", "gru4rec.epochs=2", "--set", "gru4rec.hidden=16", "--set", "sasrec.epochs=5", "--set", "sasrec.eval_every=1", "--set", "sasrec.hidden=16", "--set", "sasrec.max_len=10"],
            _output,
            _error);

        Assert.True(exitCode == 0, _error.ToString());
        foreach (var model in new[] { "gru4rec", "sasrec" })
        {
            var folder = Path.Combine(_folder, model);
            var (manifest, loaded, users, items) = RecSys.Models.Artifacts.ModelArtifact.Load(folder);
            Assert.Equal(model, manifest.Model);
            Assert.Equal(120, users.Count);
            Assert.Equal(60, items.Count);
            Assert.True(manifest.Metrics.ContainsKey("validation_ndcg@10"));
            Assert.Equal("16", manifest.Options["hidden"]);
            (loaded as IDisposable)?.Dispose();
        }
        Assert.Contains("gru4rec: wrote", _output.ToString());
    }

    [Theory]
    [InlineData("train", "--data", "synthetic", "--models", "itemcf", "--out", "x")]
    [InlineData("train", "--data", "synthetic", "--models", "gru4rec")]
    [InlineData("train", "--data", "synthetic", "--models", "gru4rec", "--out", "x", "--set", "gru4rec.hidden=0")]
    [InlineData("train", "--data", "synthetic", "--models", "nope", "--out", "x")]
    public void Bad_train_arguments_exit_with_code_2(params string[] args)
    {
        Assert.Equal(2, CliApp.Run(args, _output, _error));
        Assert.StartsWith("recsys: ", _error.ToString());
    }
}

public sealed class CtrCommandTests : IDisposable
{
    private readonly StringWriter _output = new();
    private readonly StringWriter _error = new();
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-ctr-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private int Run(params string[] args) => CliApp.Run(args, _output, _error);

    [Fact]
    public void Ctr_protocol_prints_auc_gauc_and_logloss_per_ranker()
    {
        var exitCode = Run(
            "eval", "--data", "synthetic:users=120,items=60,seed=4", "--protocol", "ctr", "--models", "lr,fm",
            "--set", "lr.epochs=2", "--set", "fm.epochs=2", "--set", "fm.embedding=4", "--seed", "3", "--device", "cpu", "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        var table = _output.ToString();
        Assert.Contains("task like", table);
        Assert.Matches(@"model\s+auc\s+gauc\s+logloss\s+valid auc\s+train s", table);
        Assert.Matches(@"\nlr\s+0\.\d{4}\s+0\.\d{4}\s+\d\.\d{4}", table);
        Assert.Matches(@"\nfm\s+0\.\d{4}\s+0\.\d{4}\s+\d\.\d{4}", table);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        Assert.Equal("ctr", json.RootElement.GetProperty("protocol").GetString());
        Assert.Contains("embedding=4", json.RootElement.GetProperty("results")[1].GetProperty("options").GetString());
    }

    [Fact]
    public void Two_stage_protocol_compares_reranked_candidates_with_the_recall_model()
    {
        var exitCode = Run(
            "eval", "--data", "synthetic:users=120,items=60,seed=4", "--protocol", "two-stage", "--recall", "itemcf", "--models", "lr",
            "--candidates", "30", "--set", "lr.epochs=2", "--set", "itemcf.k=20", "--seed", "3", "--device", "cpu", "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        var table = _output.ToString();
        Assert.Contains("itemcf top-30 re-ranked", table);
        Assert.Matches(@"model\s+ndcg@10\s+hit@10\s+mrr@10\s+recall@10\s+train s", table);
        Assert.Matches(@"\nitemcf \(recall alone\)\s+0\.\d{4}", table);
        Assert.Matches(@"\nlr\s+0\.\d{4}\s+0\.\d{4}", table);
        Assert.Contains("top-30 holds the test item for", _error.ToString());
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(_folder, "report.json")));
        Assert.Equal("two-stage", json.RootElement.GetProperty("protocol").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("results").GetArrayLength());
    }

    [Fact]
    public void Train_writes_a_ranker_artifact_that_loads_back()
    {
        var exitCode = Run("train", "--data", "synthetic:users=80,items=40,seed=2", "--models", "lr", "--set", "lr.epochs=1", "--device", "cpu", "--out", _folder);

        Assert.True(exitCode == 0, _error.ToString());
        var folder = Path.Combine(_folder, "lr");
        foreach (var file in new[] { "manifest.json", "weights.bin", "feature_map.json", "features.json", "users.txt", "items.txt" })
        {
            Assert.True(File.Exists(Path.Combine(folder, file)), file);
        }
        var (manifest, ranker, features, _, items) = RecSys.Models.Artifacts.RankerArtifact.Load(folder, "cpu");
        using var _ = ranker;
        Assert.Equal("ranking", manifest.Stage);
        Assert.True(manifest.Metrics.ContainsKey("validation_auc"));
        Assert.Equal(40, items.Count);
        // Trained on the recall stage's lists: a request carries each candidate's features from that stage.
        var width = features.Map.CandidateFeatureNames.Count;
        Assert.True(width > 0);
        Assert.Equal(3, new RecSys.Models.Ranking.CandidateScorer(ranker, features).Score(new(features.User(0), [1, 2], [3, 4, 5], 0, CandidateFeatures: new float[3 * width]), 0).Length);
    }

    [Theory]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr,nosuchranker")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "itemcf")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr", "--set", "lr.epochs=0")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr", "--set", "lr.depth=3")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "fm", "--set", "fm.embedding=x")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr", "--k", "10")]
    [InlineData("train", "--data", "synthetic", "--models", "lr", "--set", "lr.lr=-1", "--out", "x")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "ctr", "--models", "lr", "--recall", "pop")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "loo", "--models", "pop", "--candidates", "50")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "lr", "--models", "lr")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "itemcf")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "lr", "--candidates", "5")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "lr", "--sampled", "100")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "lr", "--ranker-data", "clicks")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "lr", "--recall-negatives", "2")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "bpr", "--models", "lr", "--set", "bpr.factors=0")]
    [InlineData("eval", "--data", "synthetic", "--protocol", "two-stage", "--recall", "pop", "--models", "lr", "--set", "fm.epochs=2")]
    public void Bad_rankers_and_options_exit_with_code_2(params string[] args)
    {
        Assert.Equal(2, Run(args));
        Assert.StartsWith("recsys: ", _error.ToString());
    }
}
