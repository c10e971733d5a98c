using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// One user's ranking request from the serving side: the user's encoded context (from
/// <see cref="RankingFeatures.User"/>: id, demographics, live statistics), the recent history (item indices, oldest
/// first; only the last L are used), the candidates (item indices), the request time (Unix seconds, for hour and
/// weekday), and the history items the user liked and did not like (oldest first; from "like" events or ratings against
/// the like threshold). <see cref="RecallScores"/> (one per candidate, candidates in recall order) is required by
/// rankers whose map has recall signals.
/// </summary>
public sealed record RankingRequest(
    UserSide User,
    IReadOnlyList<int> History,
    IReadOnlyList<int> Candidates,
    long Timestamp,
    IReadOnlyList<int>? Liked = null,
    IReadOnlyList<int>? Disliked = null,
    IReadOnlyList<float>? RecallScores = null);

/// <summary>
/// Scores every candidate of a request in one forward pass (one batch of N rows, <c>no_grad</c>, eval mode), encoding
/// them with the same <see cref="CtrDatasetBuilder"/> as training. Thread-safe: encoding is per call and the ranker
/// serialises its forward passes (see <see cref="RankingModel{TOptions}"/>). Call it synchronously within one grain
/// turn (dispose scopes and no_grad are thread-local; none may be held across an await).
/// </summary>
public sealed class CandidateScorer(IRanker ranker, RankingFeatures features)
{
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
        var builder = new CtrDatasetBuilder(Features.Map);
        Span<float> labels = stackalloc float[Features.Map.Tasks.Count];
        var needsRecall = Features.Map.Contains(FeatureNames.RecallScore);
        foreach (var request in requests)
        {
            var history = request.History as int[] ?? [.. request.History];
            var liked = request.Liked as int[] ?? [.. request.Liked ?? []];
            var disliked = request.Disliked as int[] ?? [.. request.Disliked ?? []];
            if (needsRecall && request.RecallScores?.Count != request.Candidates.Count)
            {
                throw new ArgumentException($"this ranker reads the recall stage's scores: give {request.Candidates.Count} RecallScores, one per candidate", nameof(requests));
            }
            for (var n = 0; n < request.Candidates.Count; n++)
            {
                var candidate = request.Candidates[n];
                if ((uint)candidate >= (uint)Features.Items.Count)
                {
                    throw new ArgumentOutOfRangeException(nameof(requests), candidate, $"candidate outside the model's {Features.Items.Count} items");
                }
                builder.Add(request.User, Features.Items[candidate], request.Timestamp, history, labels, group: 0, liked: liked, disliked: disliked, recall: needsRecall ? (request.RecallScores![n], n) : null);
            }
        }
        var results = new float[requests.Count][];
        var rows = builder.Build();
        if (rows.Count == 0)
        {
            Array.Fill(results, []);
            return results;
        }
        var all = new int[rows.Count];
        for (var n = 0; n < all.Length; n++)
        {
            all[n] = n;
        }
        float[] scores;
        using (var scope = NewDisposeScope())
        {
            scores = Ranker.Predict(rows.Batch(all, Ranker.Device, withLabels: false));
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
