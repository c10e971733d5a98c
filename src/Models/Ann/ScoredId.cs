namespace RecSys.Models.Ann;

/// <summary>A vector id with its score against a query; higher is better (see <see cref="VectorMetric"/>).</summary>
public readonly record struct ScoredId(int Id, float Score);
