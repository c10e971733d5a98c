using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// One user's ranking request from the serving side: the user's encoded context (from
/// <see cref="RankingFeatures.User"/>: id, demographics, live statistics), the recent history (item indices, oldest
/// first; only the last L are used), the candidates (item indices), the request time (Unix seconds, for hour and
/// weekday), and the history items the user liked and did not like (oldest first; from "like" events or ratings against
/// the like threshold). <see cref="RecallScores"/> (one per candidate, candidates in recall order) is required by
/// rankers whose map has recall signals; <see cref="CandidateFeatures"/> ([candidates × width] row-major, the map's
/// candidate features in map order, see <see cref="Pipeline.CandidateFeatures"/>) by rankers trained on the recall
/// stage's lists.
/// </summary>
public sealed record RankingRequest(
    UserSide User,
    IReadOnlyList<int> History,
    IReadOnlyList<int> Candidates,
    long Timestamp,
    IReadOnlyList<int>? Liked = null,
    IReadOnlyList<int>? Disliked = null,
    IReadOnlyList<float>? RecallScores = null,
    IReadOnlyList<float>? CandidateFeatures = null);

/// <summary>
/// Scores every candidate of a request in one forward pass (one batch of N rows, <c>no_grad</c>, eval mode), encoding
/// them as training does (<see cref="ServingBatchEncoder"/> shares <see cref="CtrDatasetBuilder"/>'s feature
/// definitions). Thread-safe: the encoder keeps no state between calls and the ranker
/// serialises its forward passes (see <see cref="RankingModel{TOptions}"/>). Call it synchronously within one grain
/// turn (dispose scopes and no_grad are thread-local; none may be held across an await).
/// </summary>
public sealed class CandidateScorer(IRanker ranker, RankingFeatures features)
{
    private readonly ServingBatchEncoder _encoder = new(features.Map);

    public IRanker Ranker { get; } = ranker;

    public RankingFeatures Features { get; } = features;

    /// <summary>Probabilities [N × T] row-major, candidates in request order.</summary>
    public float[] Score(RankingRequest request) => request.Candidates.Count == 0 ? [] : Score([request])[0];

    /// <summary>
    /// Probabilities [N_r × T] row-major for each request, all scored in one forward pass (the serving side gathers
    /// concurrent requests into one batch).
    /// </summary>
    public float[][] Score(IReadOnlyList<RankingRequest> requests)
    {
        var results = new float[requests.Count][];
        if (requests.All(r => r.Candidates.Count == 0))
        {
            Array.Fill(results, []);
            return results;
        }
        float[] scores;
        using (var scope = NewDisposeScope())
        {
            scores = Ranker.Predict(Encode(requests));
        }
        var tasks = Features.Map.Tasks.Count;
        var offset = 0;
        for (var r = 0; r < requests.Count; r++)
        {
            var length = requests[r].Candidates.Count * tasks;
            results[r] = scores.AsSpan(offset, length).ToArray();
            offset += length;
        }
        return results;
    }

    /// <summary>
    /// The batch <see cref="Score(IReadOnlyList{RankingRequest})"/> feeds the ranker: one row per candidate, requests
    /// in order, on the ranker's device (the tensors belong to the caller's dispose scope). Checks every candidate
    /// index and, for rankers that read them, the recall scores.
    /// </summary>
    public CtrBatch Encode(IReadOnlyList<RankingRequest> requests)
    {
        var needsRecall = Features.Map.Contains(FeatureNames.RecallScore);
        var candidateWidth = Features.Map.CandidateFeatureNames.Count;
        foreach (var request in requests)
        {
            if (needsRecall && request.RecallScores?.Count != request.Candidates.Count)
            {
                throw new ArgumentException($"this ranker reads the recall stage's scores: give {request.Candidates.Count} RecallScores, one per candidate", nameof(requests));
            }
            if (candidateWidth > 0 && request.CandidateFeatures?.Count != request.Candidates.Count * candidateWidth)
            {
                throw new ArgumentException($"this ranker reads {candidateWidth} candidate features per candidate: give {request.Candidates.Count * candidateWidth}", nameof(requests));
            }
            foreach (var candidate in request.Candidates)
            {
                if ((uint)candidate >= (uint)Features.Items.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(requests), candidate, $"candidate outside the model's {Features.Items.Count} items");
                }
            }
        }
        return _encoder.Encode(requests, Features.Items, Ranker.Device);
    }

    /// <summary>Probabilities of one task (default task 0, click/engagement), candidates in request order.</summary>
    public float[] Score(RankingRequest request, int task)
    {
        var all = Score(request);
        var tasks = Features.Map.Tasks.Count;
        var scores = new float[request.Candidates.Count];
        for (var n = 0; n < scores.Length; n++)
        {
            scores[n] = all[n * tasks + task];
        }
        return scores;
    }
}
