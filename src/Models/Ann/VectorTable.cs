namespace RecSys.Models.Ann;

/// <summary>
/// Dense rows of prepared vectors with their ids, for the exact indexes: one contiguous float[] that grows by
/// doubling; a removal moves the last row into the hole, so rows stay dense. Not thread-safe: the owning index
/// guards it with its lock.
/// </summary>
internal sealed class VectorTable
{
    private readonly Dictionary<int, int> _rowOfId = [];
    private float[] _vectors;
    private int[] _ids;

    public VectorTable(int dimension, VectorMetric metric, int initialCapacity = 16)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        VectorMath.CheckMetric(metric);
        Dimension = dimension;
        Metric = metric;
        var capacity = Math.Max(1, initialCapacity);
        _vectors = new float[capacity * dimension];
        _ids = new int[capacity];
    }

    public int Dimension { get; }

    public VectorMetric Metric { get; }

    public int Count { get; private set; }

    /// <summary>Row-major [Count × Dimension] (the array may be longer).</summary>
    public float[] Vectors => _vectors;

    /// <summary>Id of each row (the array may be longer).</summary>
    public int[] Ids => _ids;

    public bool Contains(int id) => _rowOfId.ContainsKey(id);

    /// <summary>Stores the vector (already checked) under the id; returns false when the id existed and <paramref name="replace"/> is false.</summary>
    public bool Set(int id, ReadOnlySpan<float> vector, bool replace)
    {
        if (_rowOfId.TryGetValue(id, out var row))
        {
            if (!replace)
            {
                return false;
            }
        }
        else
        {
            if (Count == _ids.Length)
            {
                var capacity = _ids.Length * 2;
                Array.Resize(ref _vectors, capacity * Dimension);
                Array.Resize(ref _ids, capacity);
            }
            row = Count++;
            _rowOfId[id] = row;
            _ids[row] = id;
        }
        VectorMath.Prepare(Metric, vector, _vectors.AsSpan(row * Dimension, Dimension));
        return true;
    }

    public bool Remove(int id)
    {
        if (!_rowOfId.Remove(id, out var row))
        {
            return false;
        }
        var last = --Count;
        if (row != last)
        {
            _vectors.AsSpan(last * Dimension, Dimension).CopyTo(_vectors.AsSpan(row * Dimension, Dimension));
            _ids[row] = _ids[last];
            _rowOfId[_ids[row]] = row;
        }
        return true;
    }
}
