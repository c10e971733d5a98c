namespace RecSys.Models.Ann;

/// <summary>
/// Binary max-heap of (distance, node): the worst (largest) distance on top. Search candidates use it with negated
/// distances, which makes it a min-heap. Reused across searches; grows on demand.
/// </summary>
internal sealed class DistanceHeap
{
    private float[] _keys = new float[64];
    private int[] _nodes = new int[64];

    public int Count { get; private set; }

    public float TopKey => _keys[0];

    public int TopNode => _nodes[0];

    public void Clear() => Count = 0;

    public void Push(float key, int node)
    {
        if (Count == _keys.Length)
        {
            Array.Resize(ref _keys, Count * 2);
            Array.Resize(ref _nodes, Count * 2);
        }
        var i = Count++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (_keys[parent] >= key)
            {
                break;
            }
            _keys[i] = _keys[parent];
            _nodes[i] = _nodes[parent];
            i = parent;
        }
        _keys[i] = key;
        _nodes[i] = node;
    }

    public void Pop()
    {
        var last = --Count;
        if (last == 0)
        {
            return;
        }
        var key = _keys[last];
        var node = _nodes[last];
        var i = 0;
        while (true)
        {
            var child = 2 * i + 1;
            if (child >= last)
            {
                break;
            }
            if (child + 1 < last && _keys[child + 1] > _keys[child])
            {
                child++;
            }
            if (_keys[child] <= key)
            {
                break;
            }
            _keys[i] = _keys[child];
            _nodes[i] = _nodes[child];
            i = child;
        }
        _keys[i] = key;
        _nodes[i] = node;
    }
}

/// <summary>
/// Which nodes a search has reached: a stamp per node compared with the current generation, so starting a new
/// search costs one increment instead of clearing the array.
/// </summary>
internal sealed class VisitedSet
{
    private int[] _stamps = [];
    private int _generation;

    /// <summary>Starts a new search over nodes [0, <paramref name="nodes"/>).</summary>
    public void Reset(int nodes)
    {
        if (_stamps.Length < nodes)
        {
            _stamps = new int[Math.Max(nodes, _stamps.Length * 2)];
            _generation = 0;
        }
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamps);
            _generation = 1;
        }
    }

    /// <summary>Marks the node; false when it was already marked in this search.</summary>
    public bool TryVisit(int node)
    {
        ref var stamp = ref _stamps[node];
        if (stamp == _generation)
        {
            return false;
        }
        stamp = _generation;
        return true;
    }
}

/// <summary>Everything one search or insert needs besides the graph; taken from and returned to a pool per index.</summary>
internal sealed class SearchScratch
{
    public SearchScratch(int dimension, int maxDegree)
    {
        Query = new float[dimension];
        Neighbours = new int[maxDegree + 1];
    }

    public VisitedSet Visited { get; } = new();

    /// <summary>Frontier, keyed by negated distance (closest on top).</summary>
    public DistanceHeap Candidates { get; } = new();

    /// <summary>The best nodes found so far, keyed by distance (worst on top).</summary>
    public DistanceHeap Results { get; } = new();

    /// <summary>The prepared (e.g. normalised) query or inserted vector.</summary>
    public float[] Query { get; }

    /// <summary>A copy of one neighbour list: [count, n1, n2, ...].</summary>
    public int[] Neighbours { get; }

    /// <summary>Search results sorted closest first (for neighbour selection).</summary>
    public List<(float Distance, int Node)> Found { get; } = [];

    /// <summary>Neighbour-selection work lists.</summary>
    public List<(float Distance, int Node)> Selected { get; } = [];

    public List<(float Distance, int Node)> Pruned { get; } = [];

    public List<(float Distance, int Node)> Overflow { get; } = [];

    public List<(float Distance, int Node)> Kept { get; } = [];
}
