using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ann;

/// <summary>
/// Brute-force search on the torch device chosen at run time (CUDA when present, else CPU): one matmul of the
/// queries against all stored vectors, then <c>topk</c>. Vectors live in a CPU table; the device copy is rebuilt
/// lazily by the first search after a change, so batches of changes are cheap and a search after each change is
/// not. <see cref="SearchBatch"/> scores many queries in one matmul (where a GPU pays off).
/// Thread-safety: a reader/writer lock (searches share it, changes take it exclusively) plus a lock around the
/// rebuild of the device copy. Operations run synchronously inside one dispose scope, as TorchSharp needs.
/// </summary>
public sealed class TorchExactIndex : IVectorIndex, IDisposable
{
    private readonly VectorTable _table;
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Lock _deviceGate = new();
    private Tensor? _matrix;   // [n, d] on the device
    private bool _stale = true;
    private bool _disposed;

    /// <param name="device">"auto" (CUDA when available, else CPU), "cpu" or "cuda[:N]".</param>
    public TorchExactIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, string? device = "auto")
    {
        _table = new VectorTable(dimension, metric);
        Device = TorchRuntime.SelectDevice(device);
    }

    public torch.Device Device { get; }

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
            var removed = _table.Remove(id);
            _stale |= removed;
            return removed;
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
        return SearchBatch(query, k, filter)[0];
    }

    /// <summary>
    /// Searches every row of <paramref name="queries"/> (row-major [b × Dimension]) at once. Without a filter the
    /// top k are chosen on the device; with one, all scores come back to the CPU and are filtered there.
    /// </summary>
    public ScoredId[][] SearchBatch(ReadOnlySpan<float> queries, int k, Func<int, bool>? filter = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var d = Dimension;
        if (queries.Length == 0 || queries.Length % d != 0)
        {
            throw new ArgumentException($"expected one or more queries of dimension {d}, got {queries.Length} values", nameof(queries));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var batch = queries.Length / d;
        var prepared = new float[queries.Length];
        for (var i = 0; i < batch; i++)
        {
            VectorMath.CheckVector(queries.Slice(i * d, d), d, nameof(queries));
            VectorMath.Prepare(Metric, queries.Slice(i * d, d), prepared.AsSpan(i * d, d));
        }
        var results = new ScoredId[batch][];
        _lock.EnterReadLock();
        try
        {
            var rows = _table.Count;
            if (rows == 0)
            {
                Array.Fill(results, []);
                return results;
            }
            var matrix = DeviceCopy();
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var q = tensor(prepared, [batch, d], device: Device);                       // [b, d]
            var scores = Metric == VectorMetric.L2
                ? NegatedDistances(q, matrix)
                : q.matmul(matrix.t());                                                 // [b, n]
            var ids = _table.Ids;
            if (filter is null)
            {
                var take = Math.Min(k, rows);
                var (values, indexes) = scores.topk(take, dim: 1, largest: true, sorted: true);  // [b, take]
                var topValues = values.cpu().data<float>().ToArray();
                var topIndexes = indexes.cpu().data<long>().ToArray();
                for (var i = 0; i < batch; i++)
                {
                    var row = new ScoredId[take];
                    for (var j = 0; j < take; j++)
                    {
                        row[j] = new ScoredId(ids[topIndexes[i * take + j]], topValues[i * take + j]);
                    }
                    results[i] = row;
                }
            }
            else
            {
                var all = scores.cpu().data<float>().ToArray();
                var top = new TopK(Math.Min(k, rows));
                for (var i = 0; i < batch; i++)
                {
                    top.Clear();
                    for (var r = 0; r < rows; r++)
                    {
                        if (filter(ids[r]))
                        {
                            top.Offer(ids[r], all[i * rows + r]);
                        }
                    }
                    results[i] = [.. top.ToSortedArray().Select(static s => new ScoredId(s.Item, s.Score))];
                }
            }
            return results;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Frees the device copy; call it once no search or change is running.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _matrix?.Dispose();
        _lock.Dispose();
    }

    /// <summary>
    /// −‖q − x‖ from the differences themselves (the ‖q‖² − 2q·x + ‖x‖² expansion loses the small distances to
    /// cancellation), a few queries at a time so the [c, n, d] temporary stays under 2²⁶ floats.
    /// </summary>
    private static Tensor NegatedDistances(Tensor q, Tensor matrix)
    {
        var rows = matrix.shape[0];
        var chunk = Math.Max(1L, (1L << 26) / (rows * matrix.shape[1]));
        var parts = new List<Tensor>();
        for (var start = 0L; start < q.shape[0]; start += chunk)
        {
            var queries = q.narrow(0, start, Math.Min(chunk, q.shape[0] - start));          // [c, d]
            parts.Add(queries.unsqueeze(1).sub(matrix.unsqueeze(0)).Squared().sum(2).sqrt().neg()); // [c, n]
        }
        return parts.Count == 1 ? parts[0] : cat(parts, 0);
    }

    /// <summary>The device copy of the table, rebuilt if a change happened since the last search.</summary>
    private Tensor DeviceCopy()
    {
        lock (_deviceGate)
        {
            if (_stale || _matrix is null)
            {
                _matrix?.Dispose();
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                var rows = _table.Count;
                var matrix = tensor(_table.Vectors.AsSpan(0, rows * Dimension).ToArray(), [rows, Dimension], device: Device);
                _matrix = matrix.DetachFromDisposeScope();
                _stale = false;
            }
            return _matrix;
        }
    }

    private void Set(int id, ReadOnlySpan<float> vector, bool replace)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        VectorMath.CheckVector(vector, Dimension, nameof(vector));
        _lock.EnterWriteLock();
        try
        {
            if (!_table.Set(id, vector, replace))
            {
                throw new ArgumentException($"id {id} is already in the index (use Upsert to replace it)", nameof(id));
            }
            _stale = true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }
}
