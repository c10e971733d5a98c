using RecSys.Models.Ann;
using static RecSys.Models.Tests.Ann.AnnTestData;

namespace RecSys.Models.Tests.Ann;

/// <summary>The <see cref="IVectorIndex"/> contract, run against every implementation.</summary>
public class VectorIndexContractTests
{
    private const int D = 8;

    public static TheoryData<string, VectorMetric> Kinds()
    {
        var data = new TheoryData<string, VectorMetric>();
        foreach (var kind in new[] { "exact", "torch", "hnsw" })
        {
            foreach (var metric in Enum.GetValues<VectorMetric>())
            {
                data.Add(kind, metric);
            }
        }
        return data;
    }

    internal static IVectorIndex Create(string kind, VectorMetric metric, int d = D) => kind switch
    {
        "exact" => new ExactIndex(d, metric),
        "torch" => new TorchExactIndex(d, metric, "cpu"),
        "hnsw" => new HnswIndex(d, metric, new HnswOptions { M = 8, EfConstruction = 64, EfSearch = 64, InitialCapacity = 4 }),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Empty_index_returns_nothing(string kind, VectorMetric metric)
    {
        var index = Create(kind, metric);
        Assert.Equal(0, index.Count);
        Assert.Empty(index.Search(new float[D], 5));
        Assert.False(index.Remove(3));
        Assert.False(index.Contains(3));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void K_larger_than_count_returns_all_best_first(string kind, VectorMetric metric)
    {
        var data = Gaussian(7, D, seed: 11);
        var index = Fill(Create(kind, metric), data, D);
        var found = index.Search(Row(Gaussian(1, D, seed: 12), 0, D), 100);

        Assert.Equal(Enumerable.Range(0, 7), found.Select(s => s.Id).Order());
        Assert.True(found.Zip(found.Skip(1)).All(p => p.First.Score >= p.Second.Score));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Bad_arguments_throw_naming_the_parameter(string kind, VectorMetric metric)
    {
        var index = Create(kind, metric);
        index.Add(1, new float[D]);

        Assert.Equal("vector", Assert.ThrowsAny<ArgumentException>(() => index.Add(2, new float[D + 1])).ParamName);
        Assert.Equal("vector", Assert.ThrowsAny<ArgumentException>(() => index.Upsert(2, new float[D - 1])).ParamName);
        Assert.Equal("query", Assert.ThrowsAny<ArgumentException>(() => index.Search(new float[3], 1)).ParamName);
        Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => index.Search(new float[D], 0)).ParamName);
        Assert.Equal("k", Assert.ThrowsAny<ArgumentException>(() => index.Search(new float[D], -1)).ParamName);
        Assert.Equal("id", Assert.ThrowsAny<ArgumentException>(() => index.Add(1, new float[D])).ParamName);
        var nan = new float[D];
        nan[2] = float.NaN;
        Assert.Equal("vector", Assert.ThrowsAny<ArgumentException>(() => index.Upsert(3, nan)).ParamName);
        Assert.Equal(1, index.Count);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Removed_ids_are_never_returned(string kind, VectorMetric metric)
    {
        const int N = 600;
        var data = Gaussian(N, D, seed: 21);
        var index = Fill(Create(kind, metric), data, D);
        for (var id = 0; id < N; id += 2)
        {
            Assert.True(index.Remove(id));
        }
        Assert.False(index.Remove(0));
        Assert.Equal(N / 2, index.Count);
        Assert.False(index.Contains(0));
        Assert.True(index.Contains(1));

        for (var q = 0; q < N; q += 3)
        {
            var found = index.Search(Row(data, q, D), 10);
            Assert.Equal(10, found.Length);
            Assert.All(found, s => Assert.True(s.Id % 2 == 1, $"removed id {s.Id} returned"));
        }
        // Everything that is left comes back when asked for more than there is.
        Assert.Equal(N / 2, index.Search(Row(data, 1, D), N).Length);

        index.Upsert(0, Row(data, 0, D)); // a removed id can come back
        Assert.Equal(0, index.Search(Row(data, 0, D), 1)[0].Id);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Upsert_replaces_the_vector(string kind, VectorMetric metric)
    {
        const int N = 300;
        var data = Gaussian(N, D, seed: 31);
        var index = Fill(Create(kind, metric), data, D);
        var moved = Gaussian(1, D, seed: 32);
        System.Numerics.Tensors.TensorPrimitives.Multiply(moved, 10f, moved); // long, so the top inner product too

        index.Upsert(5, moved);

        Assert.Equal(N, index.Count);
        var top = index.Search(moved, 3);
        Assert.Equal(5, top[0].Id);
        AssertClose(Exact(metric, moved, moved), top[0].Score);
        var atOldPlace = index.Search(Row(data, 5, D), N);
        Assert.Single(atOldPlace, s => s.Id == 5);
        AssertClose(Exact(metric, Row(data, 5, D), moved), atOldPlace.Single(s => s.Id == 5).Score);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Filter_keeps_only_allowed_ids(string kind, VectorMetric metric)
    {
        const int N = 500;
        var data = Gaussian(N, D, seed: 41);
        var index = Fill(Create(kind, metric), data, D);
        var exact = Fill(new ExactIndex(D, metric), data, D);
        var queries = Gaussian(20, D, seed: 42);

        for (var q = 0; q < 20; q++)
        {
            var found = index.Search(Row(queries, q, D), 10, id => id % 3 == 0);
            Assert.Equal(10, found.Length);
            Assert.All(found, s => Assert.Equal(0, s.Id % 3));
        }
        Assert.True(RecallAt(index, exact, queries, D, 10, id => id % 3 == 0) >= 0.95);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Scores_are_the_metric_and_rankings_match_a_naive_scan(string kind, VectorMetric metric)
    {
        const int N = 400;
        var data = Gaussian(N, D, seed: 51);
        // Inner-product ranking depends on length: give the vectors different norms.
        for (var i = 0; i < N; i++)
        {
            System.Numerics.Tensors.TensorPrimitives.Multiply(data.AsSpan(i * D, D), 0.5f + i % 5, data.AsSpan(i * D, D));
        }
        var index = Fill(Create(kind, metric), data, D);
        if (index is HnswIndex hnsw)
        {
            hnsw.EfSearch = N / 2; // large, but still a graph search (at N it would scan)
        }
        var queries = Gaussian(10, D, seed: 52);
        for (var q = 0; q < 10; q++)
        {
            var query = Row(queries, q, D).ToArray();
            var naive = Enumerable.Range(0, N)
                .Select(i => (Id: i, Score: Exact(metric, query, Row(data, i, D))))
                .OrderByDescending(s => s.Score)
                .Take(10)
                .ToArray();
            var found = index.Search(query, 10);
            Assert.Equal(naive.Select(s => s.Id), found.Select(s => s.Id));
            Assert.All(found.Zip(naive), p => AssertClose(p.Second.Score, p.First.Score));
        }
    }

    internal static void AssertClose(float expected, float actual) =>
        Assert.Equal(expected, actual, tolerance: 1e-4 * Math.Max(1, Math.Abs(expected)));

    /// <summary>The metric computed directly from raw vectors.</summary>
    internal static float Exact(VectorMetric metric, ReadOnlySpan<float> a, ReadOnlySpan<float> b) => metric switch
    {
        VectorMetric.InnerProduct => System.Numerics.Tensors.TensorPrimitives.Dot(a, b),
        VectorMetric.Cosine => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b),
        _ => -System.Numerics.Tensors.TensorPrimitives.Distance(a, b),
    };
}
