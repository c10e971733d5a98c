using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>An ANN query for one vector channel.</summary>
/// <param name="Channel">The vector model, e.g. "gru4rec".</param>
/// <param name="Vector">The user's (or session's) query vector for that model.</param>
/// <param name="Count">Neighbours wanted.</param>
/// <param name="Exclude">Item indices (of the model's vocabulary) never to return, e.g. items already seen.</param>
[GenerateSerializer, Immutable, Alias("recsys.ShardQuery")]
public sealed record ShardQuery(
    [property: Id(0)] string Channel,
    [property: Id(1)] float[] Vector,
    [property: Id(2)] int Count,
    [property: Id(3)] ImmutableArray<int> Exclude);

/// <summary>What one shard found for one query: item indices with their scores, best first.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ShardHits")]
public sealed record ShardHits(
    [property: Id(0)] string Channel,
    [property: Id(1)] ImmutableArray<int> Items,
    [property: Id(2)] ImmutableArray<float> Scores);

/// <summary>Candidates to rank for one user or session.</summary>
/// <param name="Version">Model version whose ranker scores (the request's version, for consistency).</param>
/// <param name="UserId">The user, if known to the ranker as a user; null for anonymous sessions.</param>
/// <param name="Recent">The history, oldest first.</param>
/// <param name="Candidates">Item ids to score.</param>
/// <param name="RecallScores">Each candidate's recall score (read by rankers trained on impressions).</param>
/// <param name="Timestamp">Request time (for time-of-day features).</param>
/// <param name="Deadline">How long the caller waits; the ranker drops the request unscored once it has passed.</param>
/// <param name="CandidateFeatures">[candidates × width] row-major: the recall stage's features of each candidate, in
/// the order of the ranker's candidate features (read by rankers trained on the recall stage's lists).</param>
[GenerateSerializer, Immutable, Alias("recsys.RankQuery")]
public sealed record RankQuery(
    [property: Id(0)] string Version,
    [property: Id(1)] string? UserId,
    [property: Id(2)] ImmutableArray<UserEvent> Recent,
    [property: Id(3)] ImmutableArray<string> Candidates,
    [property: Id(4)] ImmutableArray<float> RecallScores,
    [property: Id(5)] DateTimeOffset Timestamp,
    [property: Id(6)] TimeSpan? Deadline = null,
    [property: Id(7)] ImmutableArray<float> CandidateFeatures = default);

/// <summary>Rank scores aligned with <see cref="RankQuery.Candidates"/>; NaN for a candidate the ranker does not know.</summary>
[GenerateSerializer, Immutable, Alias("recsys.RankResult")]
public sealed record RankResult(
    [property: Id(0)] string Ranker,
    [property: Id(1)] float[] Scores);

/// <summary>Whose recommendations: a known user or an anonymous session.</summary>
[GenerateSerializer, Alias("recsys.SubjectKind")]
public enum SubjectKind
{
    User = 0,
    Session = 1,
}

/// <summary>A recommendation request.</summary>
/// <param name="Kind">User or session.</param>
/// <param name="Id">The user or session id.</param>
/// <param name="Count">Items wanted.</param>
/// <param name="Exclude">Item ids never to return (besides seen and blocked items).</param>
/// <param name="Repeats">May items the subject only viewed, clicked or liked come back? Null: the surface's default
/// (RecSys:Serving:UserRepeats or SessionRepeats). Rated, purchased and skipped items never do.</param>
[GenerateSerializer, Immutable, Alias("recsys.RecommendQuery")]
public sealed record RecommendQuery(
    [property: Id(0)] SubjectKind Kind,
    [property: Id(1)] string Id,
    [property: Id(2)] int Count,
    [property: Id(3)] ImmutableArray<string> Exclude = default,
    [property: Id(4)] bool? Repeats = null);

/// <summary>A recommendation answer.</summary>
/// <param name="ModelVersion">The model version that answered (null before any is active).</param>
/// <param name="Ranker">The ranker that ordered the items, or null when the recall order was kept.</param>
/// <param name="Items">Best first.</param>
/// <param name="Degraded">Channels (or "ranker") that failed or timed out and were left out.</param>
/// <param name="Candidates">Candidates ranked (the merged, filtered union of the channels).</param>
[GenerateSerializer, Immutable, Alias("recsys.Recommendations")]
public sealed record Recommendations(
    [property: Id(0)] string? ModelVersion,
    [property: Id(1)] string? Ranker,
    [property: Id(2)] ImmutableArray<RecommendedItem> Items,
    [property: Id(3)] ImmutableArray<string> Degraded,
    [property: Id(4)] int Candidates);
