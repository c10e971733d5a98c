using RecSys.Models.Ann;
using static RecSys.Models.Tests.Ann.AnnTestData;

namespace RecSys.Models.Tests.Ann;

public class ExactIndexTests
{
    [Theory]
    [InlineData(VectorMetric.InnerProduct)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.L2)]
    public void Torch_exact_index_equals_the_cpu_exact_index(VectorMetric metric)
    {
        const int N = 3000;
        const int D = 16;
        var data = Gaussian(N, D, seed: 61);
        var queries = Gaussian(25, D, seed: 62);
        using var torch = Fill(new TorchExactIndex(D, metric, "cpu"), data, D);
        var exact = Fill(new ExactIndex(D, metric), data, D);

        AssertSame(exact, torch, queries, D);
        var batch = torch.SearchBatch(queries, 10);
        for (var q = 0; q < 25; q++)
        {
            Assert.Equal(exact.Search(Row(queries, q, D), 10).Select(s => s.Id), batch[q].Select(s => s.Id));
        }

        // Changes after a search reach the device copy.
        foreach (var index in new IVectorIndex[] { exact, torch })
        {
            index.Remove(7);
            index.Upsert(8, Row(queries, 0, D));
            index.Add(N + 1, Row(queries, 1, D));
        }
        AssertSame(exact, torch, queries, D);
        Assert.Equal(
            exact.Search(Row(queries, 2, D), 10, id => id % 2 == 0).Select(s => s.Id),
            torch.Search(Row(queries, 2, D), 10, id => id % 2 == 0).Select(s => s.Id));
    }

    [Fact]
    public void Parallel_scan_of_a_large_catalogue_equals_the_single_threaded_one()
    {
        const int D = 32;
        const int N = ExactIndex.ParallelThreshold / D + 5000; // above the threshold: split into chunks
        var data = Gaussian(N, D, seed: 71);
        var queries = Gaussian(5, D, seed: 72);
        var parallel = Fill(new ExactIndex(D, VectorMetric.InnerProduct, maxDegreeOfParallelism: 2), data, D);
        var single = Fill(new ExactIndex(D, VectorMetric.InnerProduct, maxDegreeOfParallelism: 1), data, D);

        AssertSame(single, parallel, queries, D);
    }

    private static void AssertSame(IVectorIndex expected, IVectorIndex actual, float[] queries, int d)
    {
        for (var q = 0; q < queries.Length / d; q++)
        {
            var want = expected.Search(Row(queries, q, d), 10);
            var got = actual.Search(Row(queries, q, d), 10);
            Assert.Equal(want.Select(s => s.Id), got.Select(s => s.Id));
            Assert.All(want.Zip(got), p => Assert.Equal(p.First.Score, p.Second.Score, tolerance: 1e-4 * Math.Max(1, Math.Abs(p.First.Score))));
        }
    }
}
