using RecSys.Models.Ann;
using static RecSys.Models.Tests.Ann.AnnTestData;

namespace RecSys.Models.Tests.Ann;

public class HnswIndexTests
{
    private const int N = 1000;
    private const int D = 16;
    private static readonly HnswOptions Options = new() { M = 8, EfConstruction = 64, EfSearch = 32, InitialCapacity = 16 };

    private static HnswIndex Build(VectorMetric metric = VectorMetric.Cosine, HnswOptions? options = null)
    {
        var index = Fill(new HnswIndex(D, metric, options ?? Options), Gaussian(N, D, seed: 81), D);
        for (var id = 0; id < N; id += 7)
        {
            index.Remove(id);
        }
        index.Upsert(3, Gaussian(1, D, seed: 82));
        return index;
    }

    private static byte[] Snapshot(HnswIndex index)
    {
        using var stream = new MemoryStream();
        index.Save(stream);
        return stream.ToArray();
    }

    [Theory]
    [InlineData(VectorMetric.InnerProduct)]
    [InlineData(VectorMetric.Cosine)]
    [InlineData(VectorMetric.L2)]
    public void Save_then_load_gives_identical_search_results(VectorMetric metric)
    {
        var index = Build(metric);
        index.EfSearch = 40;
        var loaded = HnswIndex.Load(new MemoryStream(Snapshot(index)));

        Assert.Equal((index.Count, index.NodeCount, index.Dimension, index.Metric, index.EfSearch, index.Options.M),
            (loaded.Count, loaded.NodeCount, loaded.Dimension, loaded.Metric, loaded.EfSearch, loaded.Options.M));
        var queries = Gaussian(50, D, seed: 83);
        for (var q = 0; q < 50; q++)
        {
            Assert.Equal(index.Search(Row(queries, q, D), 10), loaded.Search(Row(queries, q, D), 10));
        }
        // The loaded index keeps working: inserts, removals and its own snapshot.
        loaded.Add(N + 1, Row(queries, 0, D));
        Assert.Equal(N + 1, loaded.Search(Row(queries, 0, D), 1)[0].Id);
        Assert.False(loaded.Contains(0));
        Assert.True(loaded.Remove(1));
        Assert.Equal(loaded.Count, HnswIndex.Load(new MemoryStream(Snapshot(loaded))).Count);
    }

    [Fact]
    public void The_same_seed_and_inserts_build_the_same_graph()
    {
        Assert.Equal(Snapshot(Build()), Snapshot(Build()));
        Assert.NotEqual(Snapshot(Build()), Snapshot(Build(options: Options with { Seed = 7 })));
    }

    [Fact]
    public void Damaged_snapshots_fail_with_a_clear_message()
    {
        var bytes = Snapshot(Build());

        Assert.Contains("truncated", Load(bytes[..(bytes.Length / 2)]));
        Assert.Contains("truncated", Load(bytes[..(bytes.Length - 3)]));  // inside the checksum
        Assert.Contains("truncated", Load(bytes[..40]));                    // inside the header
        Assert.Contains("too short", Load([]));
        Assert.Contains("magic", Load("not a snapshot at all"u8.ToArray()));

        var version = (byte[])bytes.Clone();
        version[8] = 99;
        Assert.Contains("version 99", Load(version));

        var flipped = (byte[])bytes.Clone();
        flipped[bytes.Length / 2] ^= 0x10;  // inside the vectors: only the checksum can tell
        Assert.Contains("checksum", Load(flipped));

        var badCount = (byte[])bytes.Clone();
        BitConverter.GetBytes(-5).CopyTo(badCount, 41);  // node count
        Assert.Contains("bad counts", Load(badCount));

        // A valid snapshot followed by other data loads, and leaves the stream just after it.
        var stream = new MemoryStream([.. bytes, 1, 2, 3]);
        Assert.Equal(N - 143, HnswIndex.Load(stream).Count);
        Assert.Equal(bytes.Length, stream.Position);

        static string Load(byte[] data) =>
            Assert.Throws<InvalidDataException>(() => HnswIndex.Load(new MemoryStream(data))).Message;
    }

    [Fact]
    public void Compact_drops_deleted_nodes_and_keeps_the_results()
    {
        var index = Build();
        var exact = new ExactIndex(D, VectorMetric.Cosine);
        var data = Gaussian(N, D, seed: 81);
        for (var id = 0; id < N; id++)
        {
            if (index.Contains(id))
            {
                exact.Add(id, id == 3 ? Gaussian(1, D, seed: 82) : Row(data, id, D));
            }
        }
        Assert.True(index.NodeCount > index.Count);

        index.Compact();

        Assert.Equal(index.Count, index.NodeCount);
        Assert.Equal(exact.Count, index.Count);
        var queries = Gaussian(50, D, seed: 84);
        Assert.True(RecallAt(index, exact, queries, D, 10) >= 0.95);
        index.Add(-1, Row(queries, 0, D)); // still growable and searchable
        Assert.Equal(-1, index.Search(Row(queries, 0, D), 1)[0].Id);
    }

    [Fact]
    public async Task Snapshots_taken_while_threads_insert_are_consistent()
    {
        var index = new HnswIndex(D, VectorMetric.InnerProduct, Options);
        var data = Gaussian(3000, D, seed: 86);
        var writers = Enumerable.Range(0, 2).Select(w => Task.Run(() =>
        {
            for (var i = w; i < 3000; i += 2)
            {
                index.Add(i, Row(data, i, D));
            }
        })).ToArray();
        var counts = new List<int>();
        while (!writers.All(w => w.IsCompleted))
        {
            var loaded = HnswIndex.Load(new MemoryStream(Snapshot(index)));
            counts.Add(loaded.Count);
            Assert.Equal(loaded.Count, loaded.NodeCount);
            Assert.Equal(Math.Min(10, loaded.Count), loaded.Search(Row(data, 0, D), 10).Length);
            await Task.Delay(20);
        }
        await Task.WhenAll(writers);
        Assert.NotEmpty(counts);
        Assert.Equal(3000, HnswIndex.Load(new MemoryStream(Snapshot(index))).Count);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void Heuristic_variants_build_searchable_graphs_and_survive_snapshots(bool keepPruned, bool extendCandidates)
    {
        var options = Options with { KeepPrunedConnections = keepPruned, ExtendCandidates = extendCandidates };
        var data = Gaussian(N / 2, D, seed: 87);
        var index = Fill(new HnswIndex(D, VectorMetric.L2, options), data, D);
        var exact = Fill(new ExactIndex(D, VectorMetric.L2), data, D);
        var queries = Gaussian(30, D, seed: 88);

        Assert.True(RecallAt(index, exact, queries, D, 10) >= 0.95);
        var loaded = HnswIndex.Load(new MemoryStream(Snapshot(index)));
        Assert.Equal(options with { InitialCapacity = 0 }, loaded.Options with { InitialCapacity = 0 });
    }

    [Fact]
    public void Options_and_ef_are_validated()
    {
        Assert.Equal("M", Assert.ThrowsAny<ArgumentException>(() => new HnswIndex(D, VectorMetric.Cosine, new HnswOptions { M = 1 })).ParamName);
        Assert.Equal("EfConstruction", Assert.ThrowsAny<ArgumentException>(() => new HnswIndex(D, VectorMetric.Cosine, new HnswOptions { EfConstruction = 0 })).ParamName);
        Assert.Equal("dimension", Assert.ThrowsAny<ArgumentException>(() => new HnswIndex(0)).ParamName);
        Assert.Equal("metric", Assert.ThrowsAny<ArgumentException>(() => new HnswIndex(D, (VectorMetric)9)).ParamName);
        var index = new HnswIndex(D);
        Assert.Equal("value", Assert.ThrowsAny<ArgumentException>(() => index.EfSearch = 0).ParamName);
        Assert.Equal("efSearch", Assert.ThrowsAny<ArgumentException>(() => index.Search(new float[D], 1, efSearch: 0)).ParamName);
    }

    [Fact]
    public void Concurrent_upserts_and_removals_of_the_same_ids_keep_one_live_node_per_id()
    {
        var index = new HnswIndex(D, VectorMetric.L2, Options);
        var vectors = Gaussian(64, D, seed: 85);
        Parallel.For(0, 4, thread =>
        {
            for (var i = 0; i < 400; i++)
            {
                var id = (i * 7 + thread) % 32;
                if (i % 5 == 4)
                {
                    index.Remove(id);
                }
                else
                {
                    index.Upsert(id, Row(vectors, (i + thread) % 64, D));
                }
                var found = index.Search(Row(vectors, i % 64, D), 40);
                Assert.Equal(found.Length, found.Select(s => s.Id).Distinct().Count());
            }
        });
        var live = Enumerable.Range(0, 32).Count(index.Contains);
        Assert.Equal(live, index.Count);
        Assert.Equal(live, index.Search(new float[D], 100, efSearch: 5000).Length);
    }
}
