namespace RecSys.Models.Ann;

/// <summary>How an index compares vectors. Scores are always "higher is better".</summary>
public enum VectorMetric
{
    /// <summary>Score = q · v (maximum inner product search; vectors stored as given).</summary>
    InnerProduct = 0,

    /// <summary>Score = cos(q, v): vectors and queries are normalised to unit length, then compared by inner product.</summary>
    Cosine = 1,

    /// <summary>Score = −‖q − v‖ (the negated Euclidean distance).</summary>
    L2 = 2,
}
