using RecSys.Models.Ann;
using static RecSys.Models.Tests.Ann.AnnTestData;

namespace RecSys.Models.Tests.Ann;

/// <summary>HNSW against brute force on 20k seeded Gaussian vectors (gorse's acceptance test: recall ≥ 0.99).</summary>
public class HnswRecallTests
{
    private const int N = 20_000;
    private const int D = 32;
    private const int Queries = 100;
    private const int K = 10;
    private static readonly HnswOptions Options = new() { M = 16, EfConstruction = 100, EfSearch = 200, InitialCapacity = 64 };

    [Fact]
    public void Recall_at_10_is_at_least_0_99_at_ef_200()
    {
        var data = Gaussian(N, D, seed: 1);
        var queries = Gaussian(Queries, D, seed: 2);
        var hnsw = Fill(new HnswIndex(D, VectorMetric.Cosine, Options), data, D);
        var exact = Fill(new ExactIndex(D, VectorMetric.Cosine), data, D);

        Assert.Equal(N, hnsw.Count);
        Assert.True(RecallAt(hnsw, exact, queries, D, K) >= 0.99);
    }

    [Fact]
    public async Task Recall_holds_when_threads_insert_while_others_search()
    {
        var data = Gaussian(N, D, seed: 3);
        var queries = Gaussian(Queries, D, seed: 4);
        var hnsw = new HnswIndex(D, VectorMetric.Cosine, Options with { InitialCapacity = 16 }); // grows while searched
        const int Writers = 3;
        var inserted = 0;
        var searches = 0;
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Factory.StartNew(() =>
        {
            for (var i = w; i < N; i += Writers)
            {
                hnsw.Add(i, Row(data, i, D));
                Interlocked.Increment(ref inserted);
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        var readers = Enumerable.Range(0, 2).Select(r => Task.Factory.StartNew(() =>
        {
            var q = r;
            while (Volatile.Read(ref inserted) < N)
            {
                var found = hnsw.Search(Row(queries, q++ % Queries, D), K, efSearch: 20);
                Assert.True(found.Length <= K);
                Assert.Equal(found.Length, found.Select(s => s.Id).Distinct().Count());
                Assert.All(found, s => Assert.InRange(s.Id, 0, N - 1));
                Interlocked.Increment(ref searches);
                Thread.Sleep(1); // leave the two CI cores mostly to the writers
            }
        }, TaskCreationOptions.LongRunning)).ToArray();
        await Task.WhenAll([.. writers, .. readers]);

        Assert.True(searches > 0);
        Assert.Equal(N, hnsw.Count);
        var exact = Fill(new ExactIndex(D, VectorMetric.Cosine), data, D);
        Assert.True(RecallAt(hnsw, exact, queries, D, K) >= 0.99);
    }
}
