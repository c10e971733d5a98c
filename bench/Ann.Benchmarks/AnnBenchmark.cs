using System.Diagnostics;
using System.Runtime.InteropServices;
using RecSys.Models.Ann;
using RecSys.Models.Data;

namespace RecSys.Ann.Benchmarks;

/// <summary>Builds an HNSW index and an exact index over the same seeded vectors and compares them.</summary>
public static class AnnBenchmark
{
    public static void Run(BenchOptions o, TextWriter output)
    {
        output.WriteLine($"# {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription}, {Environment.ProcessorCount} cores");
        output.WriteLine($"# n={o.N} dim={o.Dimension} data={o.Data} metric={o.Metric} queries={o.Queries} k={o.K} M={o.M} efConstruction={o.EfConstruction} build-threads={o.BuildThreads} seed={o.Seed}");
        var random = new DeterministicRandom(o.Seed);
        var centres = o.Data == "clustered" ? Gaussian(random, o.Clusters, o.Dimension, 1.0) : null;
        var data = Draw(random, o.N, o.Dimension, centres, o.Spread);
        var queries = Draw(random, o.Queries, o.Dimension, centres, o.Spread);

        var hnsw = new HnswIndex(o.Dimension, o.Metric, new HnswOptions
        {
            M = o.M,
            EfConstruction = o.EfConstruction,
            Seed = o.Seed,
            InitialCapacity = o.N,
        });
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        Parallel.For(0, o.BuildThreads, new ParallelOptions { MaxDegreeOfParallelism = o.BuildThreads }, thread =>
        {
            for (var i = thread; i < o.N; i += o.BuildThreads)
            {
                hnsw.Add(i, Row(data, i, o.Dimension));
            }
        });
        var build = watch.Elapsed.TotalSeconds;
        var buildCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        output.WriteLine($"build: {build:F1} s wall, {buildCpu:F1} s CPU ({o.N / build:F0} inserts/s)");

        var exact = new ExactIndex(o.Dimension, o.Metric, maxDegreeOfParallelism: 1);
        for (var i = 0; i < o.N; i++)
        {
            exact.Add(i, Row(data, i, o.Dimension));
        }
        var truth = new ScoredId[o.Queries][];
        var exactQps = Measure(o.Queries, q => truth[q] = exact.Search(Row(queries, q, o.Dimension), o.K));
        output.WriteLine($"exact scan, 1 thread: {exactQps.Wall:F0} queries/s ({exactQps.Cpu:F0} per CPU second)");
        var parallelExact = new ExactIndex(o.Dimension, o.Metric);
        for (var i = 0; i < o.N; i++)
        {
            parallelExact.Add(i, Row(data, i, o.Dimension));
        }
        var parallelQps = Measure(o.Queries, q => parallelExact.Search(Row(queries, q, o.Dimension), o.K)).Wall;
        output.WriteLine($"exact scan, {Environment.ProcessorCount} threads per query: {parallelQps:F0} queries/s");

        output.WriteLine();
        output.WriteLine($"| efSearch | recall@{o.K} | queries/s (1 thread) | × exact | queries per CPU second | × exact |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|");
        foreach (var ef in o.EfSearch)
        {
            Measure(Math.Min(100, o.Queries), q => hnsw.Search(Row(queries, q, o.Dimension), o.K, ef)); // warm-up
            var found = new ScoredId[o.Queries][];
            var qps = Measure(o.Queries, q => found[q] = hnsw.Search(Row(queries, q, o.Dimension), o.K, ef));
            output.WriteLine($"| {ef} | {Recall(found, truth, o.K):F4} | {qps.Wall:F0} | {qps.Wall / exactQps.Wall:F1} | {qps.Cpu:F0} | {qps.Cpu / exactQps.Cpu:F1} |");
        }

        using var snapshot = new MemoryStream();
        watch.Restart();
        hnsw.Save(snapshot);
        var save = watch.Elapsed.TotalMilliseconds;
        snapshot.Position = 0;
        watch.Restart();
        HnswIndex.Load(snapshot);
        output.WriteLine();
        output.WriteLine($"snapshot: {snapshot.Length / 1e6:F1} MB, save {save:F0} ms, load {watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    /// <summary>Mean over queries of |found ∩ truth| / k.</summary>
    public static double Recall(ScoredId[][] found, ScoredId[][] truth, int k)
    {
        var hits = 0L;
        for (var q = 0; q < truth.Length; q++)
        {
            var expected = truth[q].Take(k).Select(s => s.Id).ToHashSet();
            hits += found[q].Take(k).Count(s => expected.Contains(s.Id));
        }
        return hits / (double)(truth.Length * Math.Min(k, truth[0].Length));
    }

    /// <summary>Runs the queries on this thread: (queries per wall second, queries per CPU second of this thread).</summary>
    private static (double Wall, double Cpu) Measure(int queries, Action<int> search)
    {
        var cpu = ThreadClock.Now();
        var watch = Stopwatch.StartNew();
        for (var q = 0; q < queries; q++)
        {
            search(q);
        }
        return (queries / watch.Elapsed.TotalSeconds, queries / (ThreadClock.Now() - cpu).TotalSeconds);
    }

    private static float[] Draw(DeterministicRandom random, int n, int d, float[]? centres, double spread)
    {
        if (centres is null)
        {
            return Gaussian(random, n, d, 1.0);
        }
        var clusters = centres.Length / d;
        var data = Gaussian(random, n, d, spread);
        for (var i = 0; i < n; i++)
        {
            var c = random.Next(clusters);
            for (var j = 0; j < d; j++)
            {
                data[i * d + j] += centres[c * d + j];
            }
        }
        return data;
    }

    private static float[] Gaussian(DeterministicRandom random, int n, int d, double scale)
    {
        var data = new float[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)(random.NextGaussian() * scale);
        }
        return data;
    }

    private static ReadOnlySpan<float> Row(float[] data, int i, int d) => data.AsSpan(i * d, d);
}
