using RecSys.Models.Recall;

namespace RecSys.Models.Ann;

/// <summary>
/// Brute-force search: the query against every stored vector with SIMD (<c>TensorPrimitives</c>), split over
/// chunks in parallel once the catalogue is large. The ground truth for <see cref="HnswIndex"/> and a fine index on
/// its own for small catalogues. Removal is immediate (the last row moves into the hole).
/// Thread-safety: one reader/writer lock; searches share it, changes take it exclusively.
/// </summary>
public sealed class ExactIndex : IVectorIndex
{
    /// <summary>Below this many stored floats (rows × dimension) a search runs on the calling thread only.</summary>
    public const int ParallelThreshold = 1 << 20;

    private const int ChunkRows = 8192;

    private readonly VectorTable _table;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly int _maxParallelism;

    /// <param name="maxDegreeOfParallelism">Threads one search may use; 1 = always single-threaded; ≤ 0 = all cores.</param>
    public ExactIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, int maxDegreeOfParallelism = 0)
    {
        _table = new VectorTable(dimension, metric);
        _maxParallelism = maxDegreeOfParallelism > 0 ? maxDegreeOfParallelism : Environment.ProcessorCount;
    }

    public int Dimension => _table.Dimension;

    public VectorMetric Metric => _table.Metric;

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _table.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    public void Add(int id, ReadOnlySpan<float> vector) => Set(id, vector, replace: false);

    public void Upsert(int id, ReadOnlySpan<float> vector) => Set(id, vector, replace: true);

    public bool Remove(int id)
    {
        _lock.EnterWriteLock();
        try
        {
            return _table.Remove(id);
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public bool Contains(int id)
    {
        _lock.EnterReadLock();
        try
        {
            return _table.Contains(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public ScoredId[] Search(ReadOnlySpan<float> query, int k, Func<int, bool>? filter = null)
    {
        VectorMath.CheckVector(query, Dimension, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var prepared = new float[Dimension];
        VectorMath.Prepare(Metric, query, prepared);
        _lock.EnterReadLock();
        try
        {
            var rows = _table.Count;
            if (rows == 0)
            {
                return [];
            }
            k = Math.Min(k, rows);
            if (_maxParallelism == 1 || (long)rows * Dimension < ParallelThreshold)
            {
                var top = new TopK(k);
                ScanRows(prepared, 0, rows, filter, top);
                return ToScoredIds(top);
            }
            var chunks = (rows + ChunkRows - 1) / ChunkRows;
            var partial = new TopK[chunks];
            Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = _maxParallelism }, chunk =>
            {
                var top = new TopK(k);
                var start = chunk * ChunkRows;
                ScanRows(prepared, start, Math.Min(rows, start + ChunkRows), filter, top);
                partial[chunk] = top;
            });
            var merged = new TopK(k);
            foreach (var top in partial)
            {
                foreach (var item in top.ToSortedArray())
                {
                    merged.Offer(item.Item, item.Score);
                }
            }
            return ToScoredIds(merged);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Set(int id, ReadOnlySpan<float> vector, bool replace)
    {
        VectorMath.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (!_table.Set(id, vector, replace))
            {
                throw new ArgumentException($"id {id} is already in the index (use Upsert to replace it)", nameof(id));
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Offers rows [start, end) to <paramref name="top"/>, keyed by id (ties go to the smaller id).</summary>
    private void ScanRows(float[] query, int start, int end, Func<int, bool>? filter, TopK top)
    {
        var d = Dimension;
        var l2 = Metric == VectorMetric.L2;
        var vectors = _table.Vectors;
        var ids = _table.Ids;
        for (var row = start; row < end; row++)
        {
            var id = ids[row];
            if (filter is not null && !filter(id))
            {
                continue;
            }
            top.Offer(id, VectorMath.Score(l2, query, vectors.AsSpan(row * d, d)));
        }
    }

    private static ScoredId[] ToScoredIds(TopK top)
    {
        var sorted = top.ToSortedArray();
        var result = new ScoredId[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            result[i] = new ScoredId(sorted[i].Item, sorted[i].Score);
        }
        return result;
    }
}
