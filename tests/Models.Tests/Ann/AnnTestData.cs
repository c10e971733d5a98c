using RecSys.Models.Ann;
using RecSys.Models.Data;

namespace RecSys.Models.Tests.Ann;

/// <summary>Seeded Gaussian vectors and recall against exact search.</summary>
internal static class AnnTestData
{
    public static float[] Gaussian(int n, int d, ulong seed)
    {
        var random = new DeterministicRandom(seed);
        var data = new float[n * d];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (float)random.NextGaussian();
        }
        return data;
    }

    public static ReadOnlySpan<float> Row(float[] data, int i, int d) => data.AsSpan(i * d, d);

    public static T Fill<T>(T index, float[] data, int d)
        where T : IVectorIndex
    {
        for (var i = 0; i < data.Length / d; i++)
        {
            index.Add(i, Row(data, i, d));
        }
        return index;
    }

    /// <summary>Mean over queries of |found ∩ exact| / k.</summary>
    public static double RecallAt(IVectorIndex index, IVectorIndex exact, float[] queries, int d, int k, Func<int, bool>? filter = null)
    {
        var hits = 0;
        var total = 0;
        for (var q = 0; q < queries.Length / d; q++)
        {
            var expected = exact.Search(Row(queries, q, d), k, filter).Select(s => s.Id).ToHashSet();
            hits += index.Search(Row(queries, q, d), k, filter).Count(s => expected.Contains(s.Id));
            total += expected.Count;
        }
        return hits / (double)total;
    }
}
