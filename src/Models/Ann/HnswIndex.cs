using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using RecSys.Models.Data;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;

namespace RecSys.Models.Ann;

/// <summary>
/// Hierarchical Navigable Small World graph: Malkov &amp; Yashunin, "Efficient and robust approximate nearest
/// neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI 2018. Incremental insert
/// (Algorithm 1), greedy layer search (Algorithm 2), the neighbour-selection heuristic (Algorithm 4) with optional
/// keepPrunedConnections/extendCandidates, M0 = 2M links on layer 0, levels ⌊−ln U · mL⌋ with mL = 1/ln M from a
/// seeded generator; K-NN search (Algorithm 5) with a per-query ef.
/// <para>
/// Storage: node n's vector is <c>_vectors[n·d .. (n+1)·d)</c> in one float[] that doubles when full; layer-0 links
/// are <c>_links0[n·(M0+1)]</c> = count followed by up to M0 node numbers; upper layers have one small array per
/// node. Removal is a soft delete: the node stays in the graph (it is still traversed, keeping the graph navigable)
/// but is never returned. Upsert of a live id inserts a new node and deletes the old one. <see cref="Compact"/>
/// rebuilds the graph without the deleted nodes.
/// </para>
/// <para>
/// Locking (after hnswlib): (1) a reader/writer lock guards the arrays' identity — searches and inserts hold it
/// shared for their whole run; only growth (doubling the arrays), <see cref="Compact"/> and <see cref="Save"/> take
/// it exclusively, so they run while nothing else does. (2) One lock per node (striped over 1,024 locks) guards
/// that node's neighbour lists: readers copy a list under it, inserts modify a list under it, and no thread ever
/// holds two. (3) A global entry lock is held for a whole insert only by a node whose level exceeds the current top
/// level, so the entry point and top level change atomically; the pair is published as one 64-bit value.
/// (4) A lock around the id map makes a new node visible and hides the node it replaces in one step; a node being
/// inserted is hidden (marked deleted) until then. Vectors never change once written.
/// A filter passed to a search must not call back into the index.
/// </para>
/// </summary>
public sealed partial class HnswIndex : IVectorIndex
{
    /// <summary>Highest level a node can get (with M = 2 the chance of reaching it is 2⁻⁴⁸).</summary>
    public const int MaxLevel = 48;

    private const int LockStripes = 1024;
    private const int MaxPooledScratch = 64;

    private readonly int _dimension;
    private readonly VectorMetric _metric;
    private readonly bool _l2;
    private readonly HnswOptions _options;
    private readonly int _m;
    private readonly int _m0;
    private readonly double _levelMultiplier;

    private readonly ReaderWriterLockSlim _growth = new(LockRecursionPolicy.NoRecursion);
    private readonly Lock _allocation = new();
    private readonly Lock _entryGate = new();
    private readonly Lock _idGate = new();
    private readonly Lock _levelGate = new();
    private readonly Lock[] _nodeLocks;
    private readonly Lock _scratchGate = new();
    private readonly Stack<SearchScratch> _scratchPool = new();

    private int _efSearch;
    private DeterministicRandom _levelRandom;

    // Graph state: replaced only under the exclusive lock (growth, Compact, Load).
    private float[] _vectors;
    private int[] _levels;
    private int[] _ids;
    private byte[] _deleted;
    private int[] _links0;
    private int[]?[] _upperLinks;
    private int _capacity;
    private int _nodeCount;
    private long _entry = Pack(-1, -1);
    private Dictionary<int, int> _nodeOfId = [];
    private int _liveCount;

    public HnswIndex(int dimension, VectorMetric metric = VectorMetric.InnerProduct, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        VectorMath.CheckMetric(metric);
        options ??= new HnswOptions();
        options.Validate();
        _dimension = dimension;
        _metric = metric;
        _l2 = metric == VectorMetric.L2;
        _options = options;
        _m = options.M;
        _m0 = 2 * options.M;
        _levelMultiplier = 1.0 / Math.Log(options.M);
        _efSearch = options.EfSearch;
        _levelRandom = new DeterministicRandom(options.Seed);
        _nodeLocks = new Lock[LockStripes];
        for (var i = 0; i < LockStripes; i++)
        {
            _nodeLocks[i] = new Lock();
        }
        _capacity = Math.Max(16, options.InitialCapacity);
        _vectors = new float[(long)_capacity * dimension <= Array.MaxLength ? _capacity * dimension : throw new ArgumentOutOfRangeException(nameof(options), "InitialCapacity × dimension is too large")];
        _levels = new int[_capacity];
        _ids = new int[_capacity];
        _deleted = new byte[_capacity];
        _links0 = new int[_capacity * (_m0 + 1)];
        _upperLinks = new int[]?[_capacity];
    }

    public int Dimension => _dimension;

    public VectorMetric Metric => _metric;

    /// <summary>The options the index was built with (<see cref="HnswOptions.EfSearch"/> is the initial default).</summary>
    public HnswOptions Options => _options;

    public int Count => Volatile.Read(ref _liveCount);

    /// <summary>Nodes in the graph, deleted ones included.</summary>
    public int NodeCount => Volatile.Read(ref _nodeCount);

    /// <summary>Default ef of <see cref="Search(ReadOnlySpan{float}, int, Func{int, bool}?)"/>.</summary>
    public int EfSearch
    {
        get => Volatile.Read(ref _efSearch);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(value);
            Volatile.Write(ref _efSearch, value);
        }
    }

    public void Add(int id, ReadOnlySpan<float> vector) => Insert(id, vector, replace: false);

    public void Upsert(int id, ReadOnlySpan<float> vector) => Insert(id, vector, replace: true);

    public bool Remove(int id)
    {
        _growth.EnterReadLock();
        try
        {
            lock (_idGate)
            {
                if (!_nodeOfId.Remove(id, out var node))
                {
                    return false;
                }
                Volatile.Write(ref _deleted[node], 1);
                _liveCount--;
                return true;
            }
        }
        finally
        {
            _growth.ExitReadLock();
        }
    }

    public bool Contains(int id)
    {
        _growth.EnterReadLock();
        try
        {
            lock (_idGate)
            {
                return _nodeOfId.ContainsKey(id);
            }
        }
        finally
        {
            _growth.ExitReadLock();
        }
    }

    public ScoredId[] Search(ReadOnlySpan<float> query, int k, Func<int, bool>? filter = null) =>
        Search(query, k, EfSearch, filter);

    /// <summary>
    /// Search with an explicit candidate-list size: max(<paramref name="efSearch"/>, k) nodes are kept while
    /// descending layer 0; larger is slower and more accurate. Deleted and filtered-out nodes are traversed but not
    /// kept, so a very selective filter makes the search visit much of the graph.
    /// </summary>
    public ScoredId[] Search(ReadOnlySpan<float> query, int k, int efSearch, Func<int, bool>? filter = null)
    {
        VectorMath.CheckVector(query, _dimension, nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(efSearch);
        var scratch = RentScratch();
        try
        {
            VectorMath.Prepare(_metric, query, scratch.Query);
            _growth.EnterReadLock();
            try
            {
                var (entry, topLevel) = Unpack(Volatile.Read(ref _entry));
                if (entry < 0)
                {
                    return [];
                }
                var q = scratch.Query;
                var ef = Math.Max(efSearch, k);
                if (ef >= Volatile.Read(ref _nodeCount))
                {
                    // The search would visit about every node anyway; a scan is cheaper and also finds nodes the
                    // graph cannot reach (with inner product, vectors inside the hull can lose all in-links).
                    ScanAll(q, ef, scratch, filter);
                    return Collect(scratch, k);
                }
                var current = entry;
                var currentDistance = Distance(q, current);
                for (var layer = topLevel; layer > 0; layer--)
                {
                    (current, currentDistance) = Greedy(q, current, currentDistance, layer, scratch);
                }
                SearchLayer(q, current, currentDistance, ef, 0, scratch, forQuery: true, filter);
                return Collect(scratch, k);
            }
            finally
            {
                _growth.ExitReadLock();
            }
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>
    /// Rebuilds the graph from the live vectors only (dropping soft-deleted nodes). Blocks searches and inserts
    /// while it runs (it takes the exclusive lock).
    /// </summary>
    public void Compact()
    {
        _growth.EnterWriteLock();
        try
        {
            var fresh = new HnswIndex(_dimension, _metric, _options with { InitialCapacity = Math.Max(16, _liveCount) });
            for (var node = 0; node < _nodeCount; node++)
            {
                if (_deleted[node] == 0)
                {
                    fresh.Insert(_ids[node], _vectors.AsSpan(node * _dimension, _dimension), replace: true);
                }
            }
            Adopt(fresh);
        }
        finally
        {
            _growth.ExitWriteLock();
        }
    }

    private void Adopt(HnswIndex other)
    {
        _vectors = other._vectors;
        _levels = other._levels;
        _ids = other._ids;
        _deleted = other._deleted;
        _links0 = other._links0;
        _upperLinks = other._upperLinks;
        _capacity = other._capacity;
        _nodeCount = other._nodeCount;
        _entry = other._entry;
        _nodeOfId = other._nodeOfId;
        _liveCount = other._liveCount;
        _levelRandom = other._levelRandom;
    }

    private void Insert(int id, ReadOnlySpan<float> vector, bool replace)
    {
        VectorMath.CheckVector(vector, _dimension, nameof(vector));
        if (!replace && Contains(id))
        {
            throw DuplicateId(id);
        }
        var scratch = RentScratch();
        try
        {
            VectorMath.Prepare(_metric, vector, scratch.Query);
            var level = NextLevel();
            var node = EnterReadLockWithNewNode();
            try
            {
                scratch.Query.CopyTo(_vectors.AsSpan(node * _dimension, _dimension));
                _ids[node] = id;
                _levels[node] = level;
                Volatile.Write(ref _deleted[node], 1); // hidden until committed
                _upperLinks[node] = level > 0 ? new int[level * (_m + 1)] : null;
                Link(node, level, scratch);
                Commit(id, node, replace);
            }
            finally
            {
                _growth.ExitReadLock();
            }
        }
        finally
        {
            ReturnScratch(scratch);
        }
    }

    /// <summary>Makes the linked node the live one for its id, hiding the node it replaces.</summary>
    private void Commit(int id, int node, bool replace)
    {
        lock (_idGate)
        {
            if (_nodeOfId.TryGetValue(id, out var old))
            {
                if (!replace)
                {
                    throw DuplicateId(id); // another thread added the id meanwhile; our node stays a hidden tombstone
                }
                Volatile.Write(ref _deleted[old], 1);
            }
            else
            {
                _liveCount++;
            }
            _nodeOfId[id] = node;
            Volatile.Write(ref _deleted[node], 0);
        }
    }

    private static ArgumentException DuplicateId(int id) =>
        new($"id {id} is already in the index (use Upsert to replace it)", "id");

    /// <summary>Reserves a node number and returns with the shared lock held, growing the arrays first if full.</summary>
    private int EnterReadLockWithNewNode()
    {
        while (true)
        {
            _growth.EnterReadLock();
            lock (_allocation)
            {
                if (_nodeCount < _capacity)
                {
                    return _nodeCount++;
                }
            }
            _growth.ExitReadLock();
            Grow();
        }
    }

    private void Grow()
    {
        _growth.EnterWriteLock();
        try
        {
            if (_nodeCount < _capacity)
            {
                return; // another thread grew first
            }
            var capacity = _capacity * 2;
            if ((long)capacity * Math.Max(_dimension, _m0 + 1) > Array.MaxLength)
            {
                throw new InvalidOperationException($"the index cannot grow beyond {_capacity} nodes");
            }
            Array.Resize(ref _vectors, capacity * _dimension);
            Array.Resize(ref _levels, capacity);
            Array.Resize(ref _ids, capacity);
            Array.Resize(ref _deleted, capacity);
            Array.Resize(ref _links0, capacity * (_m0 + 1));
            Array.Resize(ref _upperLinks, capacity);
            _capacity = capacity;
        }
        finally
        {
            _growth.ExitWriteLock();
        }
    }

    private int NextLevel()
    {
        double u;
        lock (_levelGate)
        {
            u = _levelRandom.NextDouble();
        }
        return (int)Math.Min(MaxLevel, Math.Floor(-Math.Log(1.0 - u) * _levelMultiplier));
    }

    /// <summary>Algorithm 1 for a node whose vector, level and (empty) link lists are in place.</summary>
    private void Link(int node, int level, SearchScratch scratch)
    {
        var q = scratch.Query;
        _entryGate.Enter();
        var (entry, topLevel) = Unpack(Volatile.Read(ref _entry));
        var holdsEntryGate = level > topLevel;
        if (!holdsEntryGate)
        {
            _entryGate.Exit();
        }
        try
        {
            if (entry < 0)
            {
                Volatile.Write(ref _entry, Pack(node, level));
                return;
            }
            var current = entry;
            var currentDistance = Distance(q, current);
            for (var layer = topLevel; layer > level; layer--)
            {
                (current, currentDistance) = Greedy(q, current, currentDistance, layer, scratch);
            }
            for (var layer = Math.Min(level, topLevel); layer >= 0; layer--)
            {
                SearchLayer(q, current, currentDistance, _options.EfConstruction, layer, scratch, forQuery: false, filter: null);
                var found = scratch.Found;
                SortedResults(scratch.Results, found, excluded: node);
                if (found.Count == 0)
                {
                    continue;
                }
                (currentDistance, current) = found[0];
                if (_options.ExtendCandidates)
                {
                    ExtendCandidates(found, q, node, layer, scratch);
                }
                SelectNeighbours(found, _m, scratch.Selected, scratch.Pruned);
                SetLinks(node, layer, scratch.Selected);
                var maxDegree = layer == 0 ? _m0 : _m;
                foreach (var (_, neighbour) in scratch.Selected)
                {
                    ConnectBack(neighbour, node, layer, maxDegree, scratch);
                }
            }
            if (holdsEntryGate)
            {
                Volatile.Write(ref _entry, Pack(node, level));
            }
        }
        finally
        {
            if (holdsEntryGate)
            {
                _entryGate.Exit();
            }
        }
    }

    /// <summary>
    /// Algorithm 4 over candidates sorted closest first: a candidate is kept when it is closer to the base than to
    /// every neighbour kept so far; with keepPrunedConnections the rest of the room is filled with the closest
    /// discarded ones. With no more candidates than room, all are kept (as hnswlib does).
    /// </summary>
    private void SelectNeighbours(
        List<(float Distance, int Node)> candidates,
        int max,
        List<(float Distance, int Node)> selected,
        List<(float Distance, int Node)> pruned)
    {
        selected.Clear();
        pruned.Clear();
        if (candidates.Count <= max)
        {
            selected.AddRange(candidates);
            return;
        }
        var vectors = _vectors;
        foreach (var candidate in candidates)
        {
            if (selected.Count >= max)
            {
                break;
            }
            var vector = Vector(vectors, candidate.Node);
            var keep = true;
            foreach (var (_, other) in selected)
            {
                if (Distance(vector, Vector(vectors, other)) < candidate.Distance)
                {
                    keep = false;
                    break;
                }
            }
            (keep ? selected : pruned).Add(candidate);
        }
        if (_options.KeepPrunedConnections)
        {
            for (var i = 0; i < pruned.Count && selected.Count < max; i++)
            {
                selected.Add(pruned[i]);
            }
        }
    }

    /// <summary>Algorithm 4's extendCandidates: adds the candidates' neighbours on the layer, then re-sorts.</summary>
    private void ExtendCandidates(List<(float Distance, int Node)> candidates, float[] q, int node, int layer, SearchScratch scratch)
    {
        var visited = scratch.Visited;
        visited.Reset(_capacity);
        visited.TryVisit(node);
        foreach (var (_, candidate) in candidates)
        {
            visited.TryVisit(candidate);
        }
        var original = candidates.Count;
        for (var i = 0; i < original; i++)
        {
            var count = ReadLinks(candidates[i].Node, layer, scratch.Neighbours);
            for (var j = 1; j <= count; j++)
            {
                var neighbour = scratch.Neighbours[j];
                if (visited.TryVisit(neighbour))
                {
                    candidates.Add((Distance(q, neighbour), neighbour));
                }
            }
        }
        CollectionsMarshal.AsSpan(candidates).Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
    }

    private void SetLinks(int node, int layer, List<(float Distance, int Node)> neighbours)
    {
        using var scope = NodeLock(node).EnterScope();
        var links = Links(node, layer);
        for (var i = 0; i < neighbours.Count; i++)
        {
            links[1 + i] = neighbours[i].Node;
        }
        links[0] = neighbours.Count;
    }

    /// <summary>Adds <paramref name="node"/> to <paramref name="neighbour"/>'s list, shrinking it with Algorithm 4 when full.</summary>
    private void ConnectBack(int neighbour, int node, int layer, int maxDegree, SearchScratch scratch)
    {
        using var scope = NodeLock(neighbour).EnterScope();
        var links = Links(neighbour, layer);
        var count = links[0];
        for (var i = 1; i <= count; i++)
        {
            if (links[i] == node)
            {
                return;
            }
        }
        if (count < maxDegree)
        {
            links[1 + count] = node;
            links[0] = count + 1;
            return;
        }
        var vectors = _vectors;
        var baseVector = Vector(vectors, neighbour);
        var overflow = scratch.Overflow;
        overflow.Clear();
        overflow.Add((Distance(baseVector, Vector(vectors, node)), node));
        for (var i = 1; i <= count; i++)
        {
            overflow.Add((Distance(baseVector, Vector(vectors, links[i])), links[i]));
        }
        CollectionsMarshal.AsSpan(overflow).Sort(static (a, b) => a.Distance.CompareTo(b.Distance));
        var kept = scratch.Kept;
        SelectNeighbours(overflow, maxDegree, kept, scratch.Pruned);
        for (var i = 0; i < kept.Count; i++)
        {
            links[1 + i] = kept[i].Node;
        }
        links[0] = kept.Count;
    }

    /// <summary>Algorithm 2 with ef = 1: walks to ever closer neighbours on one upper layer.</summary>
    private (int Node, float Distance) Greedy(float[] q, int current, float currentDistance, int layer, SearchScratch scratch)
    {
        var buffer = scratch.Neighbours;
        var vectors = _vectors;
        var changed = true;
        while (changed)
        {
            changed = false;
            var count = ReadLinks(current, layer, buffer);
            for (var i = 1; i <= count; i++)
            {
                var distance = Distance(q, Vector(vectors, buffer[i]));
                if (distance < currentDistance)
                {
                    currentDistance = distance;
                    current = buffer[i];
                    changed = true;
                }
            }
        }
        return (current, currentDistance);
    }

    /// <summary>
    /// Algorithm 2: best-first search of one layer from <paramref name="entry"/>, leaving up to <paramref name="ef"/>
    /// nodes in <c>scratch.Results</c>. For queries, deleted and filtered-out nodes are expanded but not kept; the
    /// search then only stops early once ef acceptable nodes are held (as hnswlib does).
    /// </summary>
    private void SearchLayer(float[] q, int entry, float entryDistance, int ef, int layer, SearchScratch scratch, bool forQuery, Func<int, bool>? filter)
    {
        var visited = scratch.Visited;
        visited.Reset(_capacity);
        var candidates = scratch.Candidates;
        var results = scratch.Results;
        candidates.Clear();
        results.Clear();
        var vectors = _vectors;
        var buffer = scratch.Neighbours;

        visited.TryVisit(entry);
        candidates.Push(-entryDistance, entry);
        if (!forQuery || Accept(entry, filter))
        {
            results.Push(entryDistance, entry);
        }
        var bound = results.Count > 0 ? results.TopKey : float.MaxValue;
        while (candidates.Count > 0)
        {
            var distance = -candidates.TopKey;
            if (distance > bound && results.Count >= ef)
            {
                break;
            }
            var current = candidates.TopNode;
            candidates.Pop();
            var count = ReadLinks(current, layer, buffer);
            for (var i = 1; i <= count; i++)
            {
                var neighbour = buffer[i];
                if (!visited.TryVisit(neighbour))
                {
                    continue;
                }
                var d = Distance(q, Vector(vectors, neighbour));
                if (results.Count < ef || d < bound)
                {
                    candidates.Push(-d, neighbour);
                    if (!forQuery || Accept(neighbour, filter))
                    {
                        results.Push(d, neighbour);
                        if (results.Count > ef)
                        {
                            results.Pop();
                        }
                        bound = results.TopKey;
                    }
                }
            }
        }
    }

    /// <summary>Brute force over every node (for small indexes): the best ef acceptable nodes into <c>scratch.Results</c>.</summary>
    private void ScanAll(float[] q, int ef, SearchScratch scratch, Func<int, bool>? filter)
    {
        var results = scratch.Results;
        results.Clear();
        var vectors = _vectors;
        var nodes = Volatile.Read(ref _nodeCount);
        for (var node = 0; node < nodes; node++)
        {
            if (!Accept(node, filter))
            {
                continue;
            }
            var d = Distance(q, Vector(vectors, node));
            if (results.Count < ef)
            {
                results.Push(d, node);
            }
            else if (d < results.TopKey)
            {
                results.Pop();
                results.Push(d, node);
            }
        }
    }

    private bool Accept(int node, Func<int, bool>? filter) =>
        Volatile.Read(ref _deleted[node]) == 0 && (filter is null || filter(_ids[node]));

    /// <summary>Empties the heap into <paramref name="sorted"/>, closest first, leaving out one node.</summary>
    private static void SortedResults(DistanceHeap heap, List<(float Distance, int Node)> sorted, int excluded)
    {
        sorted.Clear();
        while (heap.Count > 0)
        {
            if (heap.TopNode != excluded)
            {
                sorted.Add((heap.TopKey, heap.TopNode));
            }
            heap.Pop();
        }
        sorted.Reverse();
    }

    /// <summary>The best k distinct ids of the layer-0 results (an id can appear twice while an upsert commits).</summary>
    private ScoredId[] Collect(SearchScratch scratch, int k)
    {
        var found = scratch.Found;
        SortedResults(scratch.Results, found, excluded: -1);
        var result = new List<ScoredId>(Math.Min(k, found.Count));
        foreach (var (distance, node) in found)
        {
            var id = _ids[node];
            if (result.Count >= k)
            {
                break;
            }
            if (!ContainsId(result, id))
            {
                result.Add(new ScoredId(id, -distance));
            }
        }
        return [.. result];

        static bool ContainsId(List<ScoredId> list, int id)
        {
            foreach (var item in list)
            {
                if (item.Id == id)
                {
                    return true;
                }
            }
            return false;
        }
    }

    /// <summary>Copies node's list on the layer ([count, n1, ...]) into the buffer under the node's lock; returns the count.</summary>
    private int ReadLinks(int node, int layer, int[] buffer)
    {
        using var scope = NodeLock(node).EnterScope();
        var links = Links(node, layer);
        var count = links[0];
        links[..(count + 1)].CopyTo(buffer);
        return count;
    }

    private Span<int> Links(int node, int layer) => layer == 0
        ? _links0.AsSpan(node * (_m0 + 1), _m0 + 1)
        : _upperLinks[node]!.AsSpan((layer - 1) * (_m + 1), _m + 1);

    private Lock NodeLock(int node) => _nodeLocks[node & (LockStripes - 1)];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadOnlySpan<float> Vector(float[] vectors, int node) => new(vectors, node * _dimension, _dimension);

    /// <summary>Smaller is closer: −q·v for inner product and cosine, ‖q − v‖ for L2. Scores are its negation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        _l2 ? TensorPrimitives.Distance(a, b) : -TensorPrimitives.Dot(a, b);

    private float Distance(float[] q, int node) => Distance(q, Vector(_vectors, node));

    private static long Pack(int node, int level) => ((long)level << 32) | (uint)node;

    private static (int Node, int Level) Unpack(long packed) => ((int)(packed & 0xFFFF_FFFF), (int)(packed >> 32));

    private SearchScratch RentScratch()
    {
        lock (_scratchGate)
        {
            if (_scratchPool.Count > 0)
            {
                return _scratchPool.Pop();
            }
        }
        return new SearchScratch(_dimension, _m0);
    }

    private void ReturnScratch(SearchScratch scratch)
    {
        lock (_scratchGate)
        {
            if (_scratchPool.Count < MaxPooledScratch)
            {
                _scratchPool.Push(scratch);
            }
        }
    }
}
