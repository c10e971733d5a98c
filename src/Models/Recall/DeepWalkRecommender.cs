using RecSys.Models.Data;
using RecSys.Models.Training;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="DeepWalkRecommender"/>.</summary>
public sealed record DeepWalkOptions : SkipGramOptions
{
    [Option("graph_window", "(int) items at most this many positions apart in a user's sequence are linked (edge weight = such co-occurrences)")]
    public int GraphWindow { get; init; } = 5;

    [Option("walks", "(int) random walks started from every linked item, each epoch")]
    public int Walks { get; init; } = 10;

    [Option("walk_length", "(int) items per walk")]
    public int WalkLength { get; init; } = 40;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (GraphWindow is < 1 or > 10_000) yield return "graph_window must be from 1 to 10000";
        if (Walks is < 1 or > 10_000) yield return "walks must be from 1 to 10000";
        if (WalkLength is < 2 or > 100_000) yield return "walk_length must be from 2 to 100000";
    }
}

/// <summary>
/// DeepWalk (Perozzi et al., "DeepWalk: Online Learning of Social Representations", KDD 2014) on the item
/// co-occurrence graph: items within <c>graph_window</c> positions of each other in a user's training sequence
/// are linked, weighted by how often that happens; every epoch starts <c>walks</c> weighted random walks of
/// <c>walk_length</c> items from every linked item (in random order, as the paper's γ passes over the shuffled
/// vertices) and trains skip-gram on them (see <see cref="SkipGramRecommender{TOptions}"/>).
/// </summary>
public sealed class DeepWalkRecommender(DeepWalkOptions? options = null) : SkipGramRecommender<DeepWalkOptions>(options ?? new DeepWalkOptions())
{
    private TrainingData? _graphData;
    private ItemGraph? _graph;

    public override string Name => "deepwalk";

    protected override IEnumerable<IReadOnlyList<int>> Corpus(TrainingData data, DeterministicRandom random)
    {
        if (!ReferenceEquals(_graphData, data))
        {
            _graph = ItemGraph.Build(data.Sequences, data.ItemCount, Options.GraphWindow);
            _graphData = data;
        }
        return _graph!.Walks(Options.Walks, Options.WalkLength, random);
    }
}

/// <summary>
/// Weighted undirected item graph in compressed rows: each node's neighbours with cumulative edge weights, so
/// a step picks the next node ∝ edge weight by one binary search.
/// </summary>
internal sealed class ItemGraph
{
    private readonly int[] _start;
    private readonly int[] _neighbours;
    private readonly double[] _cumulative;

    private ItemGraph(int[] start, int[] neighbours, double[] cumulative)
    {
        _start = start;
        _neighbours = neighbours;
        _cumulative = cumulative;
    }

    public int NodeCount => _start.Length - 1;

    /// <summary>Links distinct items at most <paramref name="window"/> positions apart in a sequence; weight = such pairs.</summary>
    public static ItemGraph Build(UserSequences sequences, int items, int window)
    {
        var weights = new Dictionary<int, double>[items];
        void Add(int a, int b)
        {
            var row = weights[a] ??= [];
            row[b] = row.GetValueOrDefault(b) + 1;
        }

        for (var u = 0; u < sequences.UserCount; u++)
        {
            var sequence = sequences[u];
            for (var p = 0; p < sequence.Count; p++)
            {
                for (var q = p + 1; q < sequence.Count && q - p <= window; q++)
                {
                    if (sequence[p] != sequence[q])
                    {
                        Add(sequence[p], sequence[q]);
                        Add(sequence[q], sequence[p]);
                    }
                }
            }
        }
        var start = new int[items + 1];
        for (var i = 0; i < items; i++)
        {
            start[i + 1] = start[i] + (weights[i]?.Count ?? 0);
        }
        var neighbours = new int[start[items]];
        var cumulative = new double[start[items]];
        for (var i = 0; i < items; i++)
        {
            if (weights[i] is null)
            {
                continue;
            }
            var n = start[i];
            double running = 0;
            foreach (var (neighbour, weight) in weights[i].OrderBy(kv => kv.Key))
            {
                running += weight;
                neighbours[n] = neighbour;
                cumulative[n++] = running;
            }
        }
        return new ItemGraph(start, neighbours, cumulative);
    }

    public ReadOnlySpan<int> Neighbours(int item) => _neighbours.AsSpan(_start[item], _start[item + 1] - _start[item]);

    /// <summary>Weight of the edge a–b (0 when unlinked).</summary>
    public double Weight(int a, int b)
    {
        var n = Neighbours(a).BinarySearch(b);
        if (n < 0)
        {
            return 0;
        }
        var at = _start[a] + n;
        return _cumulative[at] - (n > 0 ? _cumulative[at - 1] : 0);
    }

    /// <summary>A walk of at most <paramref name="length"/> items from <paramref name="from"/>, each step ∝ edge weight.</summary>
    public int[] Walk(int from, int length, DeterministicRandom random)
    {
        var walk = new int[length];
        walk[0] = from;
        for (var step = 1; step < length; step++)
        {
            var current = walk[step - 1];
            var (begin, end) = (_start[current], _start[current + 1]);
            if (begin == end)
            {
                return walk[..step];
            }
            walk[step] = _neighbours[begin + random.SampleCumulative(_cumulative.AsSpan(begin, end - begin))];
        }
        return walk;
    }

    /// <summary><paramref name="perNode"/> passes; each walks once from every node with an edge, in a fresh random order.</summary>
    public IEnumerable<int[]> Walks(int perNode, int length, DeterministicRandom random)
    {
        var linked = Enumerable.Range(0, NodeCount).Where(i => _start[i + 1] > _start[i]).ToArray();
        for (var pass = 0; pass < perNode; pass++)
        {
            random.Shuffle(linked);
            foreach (var item in linked)
            {
                yield return Walk(item, length, random);
            }
        }
    }
}
