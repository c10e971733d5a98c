namespace RecSys.Models.Ann;

/// <summary>Construction and search settings of an <see cref="HnswIndex"/> (names as in the paper).</summary>
public sealed record HnswOptions
{
    /// <summary>(int) Links chosen for a new node on each layer, and the most a node keeps on layers ≥ 1. Layer 0 keeps up to M0 = 2M.</summary>
    public int M { get; init; } = 16;

    /// <summary>(int) Size of the dynamic candidate list while inserting: larger builds a better graph, more slowly.</summary>
    public int EfConstruction { get; init; } = 200;

    /// <summary>(int) Default size of the dynamic candidate list while searching (at least k is always used); settable per query.</summary>
    public int EfSearch { get; init; } = 64;

    /// <summary>(ulong) Seed of the level generator (levels are ⌊−ln U · mL⌋ with mL = 1/ln M).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>(bool) Algorithm 4's keepPrunedConnections: fill up to the maximum degree with pruned candidates.</summary>
    public bool KeepPrunedConnections { get; init; }

    /// <summary>(bool) Algorithm 4's extendCandidates: also consider the candidates' neighbours when linking a new node.</summary>
    public bool ExtendCandidates { get; init; }

    /// <summary>(int) Nodes to allocate room for up front; storage doubles when full.</summary>
    public int InitialCapacity { get; init; } = 1024;

    internal void Validate()
    {
        if (M is < 2 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(M), M, "M must be in [2, 1024]");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EfConstruction, nameof(EfConstruction));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(EfSearch, nameof(EfSearch));
        ArgumentOutOfRangeException.ThrowIfNegative(InitialCapacity, nameof(InitialCapacity));
    }
}
