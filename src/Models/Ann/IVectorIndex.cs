namespace RecSys.Models.Ann;

/// <summary>
/// A searchable set of fixed-size float vectors, each under a caller-chosen int id (for example an item index).
/// Implementations are thread-safe: any number of searches may run while other threads add, replace and remove
/// vectors. A search sees every change that completed before it started and may or may not see changes that run
/// concurrently with it. A filter must not call back into the same index.
/// </summary>
public interface IVectorIndex
{
    /// <summary>Length of every vector and query.</summary>
    int Dimension { get; }

    /// <summary>How vectors are compared.</summary>
    VectorMetric Metric { get; }

    /// <summary>Number of live (searchable) ids.</summary>
    int Count { get; }

    /// <summary>Adds a vector under a new id; throws <see cref="ArgumentException"/> when the id is already live.</summary>
    void Add(int id, ReadOnlySpan<float> vector);

    /// <summary>Adds the vector, or replaces the vector already stored under <paramref name="id"/>.</summary>
    void Upsert(int id, ReadOnlySpan<float> vector);

    /// <summary>Removes the id from search results; false when it was not live.</summary>
    bool Remove(int id);

    /// <summary>Whether the id is live.</summary>
    bool Contains(int id);

    /// <summary>
    /// Up to <paramref name="k"/> live ids with the highest scores against <paramref name="query"/>, best first.
    /// When <paramref name="filter"/> is given only ids for which it returns true are returned.
    /// </summary>
    ScoredId[] Search(ReadOnlySpan<float> query, int k, Func<int, bool>? filter = null);
}
