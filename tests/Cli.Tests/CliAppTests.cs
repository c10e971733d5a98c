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
