using System.Globalization;
using RecSys.Models.Ann;

namespace RecSys.Ann.Benchmarks;

/// <summary>Command-line options; every default is here.</summary>
public sealed record BenchOptions
{
    public const string Usage =
        "usage: Ann.Benchmarks [--n 100000] [--dim 64] [--queries 1000] [--k 10] [--m 16] [--ef-construction 200]\n" +
        "                      [--ef 10,20,40,80,160] [--metric cosine|ip|l2] [--data gaussian|clustered]\n" +
        "                      [--clusters 1000] [--spread 0.5] [--build-threads 1] [--seed 42]";

    /// <summary>(int) Vectors in the index.</summary>
    public int N { get; init; } = 100_000;

    /// <summary>(int) Vector dimension.</summary>
    public int Dimension { get; init; } = 64;

    /// <summary>(int) Queries per measurement (drawn like the data, not taken from it).</summary>
    public int Queries { get; init; } = 1000;

    /// <summary>(int) Neighbours per query; recall@k is measured.</summary>
    public int K { get; init; } = 10;

    public int M { get; init; } = 16;

    public int EfConstruction { get; init; } = 200;

    public IReadOnlyList<int> EfSearch { get; init; } = [10, 20, 40, 80, 160];

    public VectorMetric Metric { get; init; } = VectorMetric.Cosine;

    /// <summary>"gaussian": i.i.d. N(0, 1) coordinates; "clustered": N(0, 1) centres plus N(0, spread²) noise.</summary>
    public string Data { get; init; } = "gaussian";

    public int Clusters { get; init; } = 1000;

    public double Spread { get; init; } = 0.5;

    /// <summary>(int) Threads inserting concurrently while building.</summary>
    public int BuildThreads { get; init; } = 1;

    public ulong Seed { get; init; } = 42;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }
            var value = args[++i];
            options = name switch
            {
                "--n" => options with { N = Int(name, value) },
                "--dim" => options with { Dimension = Int(name, value) },
                "--queries" => options with { Queries = Int(name, value) },
                "--k" => options with { K = Int(name, value) },
                "--m" => options with { M = Int(name, value) },
                "--ef-construction" => options with { EfConstruction = Int(name, value) },
                "--ef" => options with { EfSearch = value.Split(',').Select(v => Int(name, v)).ToArray() },
                "--metric" => options with { Metric = value switch
                {
                    "cosine" => VectorMetric.Cosine,
                    "ip" => VectorMetric.InnerProduct,
                    "l2" => VectorMetric.L2,
                    _ => throw new ArgumentException($"unknown metric '{value}'"),
                } },
                "--data" => options with { Data = value is "gaussian" or "clustered" ? value : throw new ArgumentException($"unknown data '{value}'") },
                "--clusters" => options with { Clusters = Int(name, value) },
                "--spread" => options with { Spread = double.Parse(value, CultureInfo.InvariantCulture) },
                "--build-threads" => options with { BuildThreads = Int(name, value) },
                "--seed" => options with { Seed = ulong.Parse(value, CultureInfo.InvariantCulture) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }
        return options;
    }

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} expects a positive integer, got '{value}'");
}
