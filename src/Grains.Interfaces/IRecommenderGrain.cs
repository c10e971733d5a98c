using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// The request path: reads live user state, runs the recall channels, merges, filters seen items and labels
/// each result with its channel and score. Stateless worker: key = 0, one activation per silo core.
/// </summary>
[Alias("recsys.IRecommenderGrain")]
public interface IRecommenderGrain : IGrainWithIntegerKey
{
    /// <summary>Up to <paramref name="count"/> items for the user; never an item the user interacted with.</summary>
    [Alias("Recommend")]
    Task<ImmutableArray<RecommendedItem>> RecommendAsync(string userId, int count);

    /// <summary>
    /// Recommendations for a user or an anonymous session, never an item it interacted with or one in
    /// <see cref="RecommendQuery.Exclude"/>, with the model version, the ranker and any degraded channel.
    /// </summary>
    [Alias("RecommendQuery")]
    Task<Recommendations> RecommendAsync(RecommendQuery query);

    /// <summary>Items most similar to <paramref name="itemId"/> ("users who liked this also liked").</summary>
    [Alias("SimilarItems")]
    Task<ImmutableArray<RecommendedItem>> SimilarItemsAsync(string itemId, int count);
}
