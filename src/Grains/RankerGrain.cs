using System.Diagnostics;
using Orleans.Concurrency;
using RecSys.Grains.Contracts;
using RecSys.Grains.Diagnostics;
using RecSys.Grains.Serving;
using RecSys.Models.Ranking;

namespace RecSys.Grains;

/// <summary>
/// Scores candidates with the ranker of the request's model version. A stateless worker, so every silo answers its
/// own requests locally; the scoring itself goes through the silo's <see cref="RankingBatcher"/>, which gathers
/// concurrent requests into one forward pass on the device chosen at load time (CUDA when present, else CPU).
/// </summary>
[StatelessWorker, Reentrant]
public sealed class RankerGrain(ServingModels models, RankingBatcher batcher) : Grain, IRankerGrain
{
    public async Task<RankResult?> RankAsync(RankQuery query)
    {
        var set = await models.GetAsync(query.Version);
        if (set.Ranker is not { } ranker)
        {
            return null;
        }
        var started = Stopwatch.GetTimestamp();
        // Candidates the ranker does not know (items added after it was trained) keep NaN: the caller places them.
        var known = new List<int>(query.Candidates.Length);
        var positions = new List<int>(query.Candidates.Length);
        for (var n = 0; n < query.Candidates.Length; n++)
        {
            if (ranker.Items.TryGetIndex(query.Candidates[n], out var index))
            {
                known.Add(index);
                positions.Add(n);
            }
        }
        var scores = new float[query.Candidates.Length];
        Array.Fill(scores, float.NaN);
        if (known.Count > 0)
        {
            var request = Request(ranker, query, known, positions);
            var ranked = await batcher.ScoreAsync(ranker, request, query.Deadline);
            for (var n = 0; n < positions.Count; n++)
            {
                scores[positions[n]] = ranked[n];
            }
        }
        GrainMetrics.RankSeconds.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("ranker", ranker.Name));
        return new RankResult(ranker.Name, scores);
    }

    private static RankingRequest Request(RankerModel ranker, RankQuery query, List<int> candidates, List<int> positions)
    {
        var user = query.UserId is { } id && ranker.Users.TryGetIndex(id, out var index) ? index : -1;
        var history = new List<int>(query.Recent.Length);
        var liked = new List<int>();
        var disliked = new List<int>();
        foreach (var e in query.Recent)
        {
            if (e.Type == EventType.Skip || !ranker.Items.TryGetIndex(e.ItemId, out var item))
            {
                continue;
            }
            history.Add(item);
            // As in training: explicit likes (and ratings at or above the like threshold) are liked, lower ratings not.
            if (e.Type is EventType.Like or EventType.Purchase || e.Type == EventType.Rating && e.Value >= 4)
            {
                liked.Add(item);
            }
            else if (e.Type == EventType.Rating)
            {
                disliked.Add(item);
            }
        }
        float[]? candidateFeatures = null;
        if (ranker.CandidateFeatures is { } describe)
        {
            var width = describe.Names.Count;
            if (query.CandidateFeatures.IsDefault || query.CandidateFeatures.Length != query.Candidates.Length * width)
            {
                throw new ArgumentException($"ranker {ranker.Name} reads {width} candidate features per candidate; the query has {(query.CandidateFeatures.IsDefault ? 0 : query.CandidateFeatures.Length)} for {query.Candidates.Length} candidates", nameof(query));
            }
            candidateFeatures = new float[candidates.Count * width];
            for (var n = 0; n < candidates.Count; n++)
            {
                query.CandidateFeatures.AsSpan().Slice(positions[n] * width, width).CopyTo(candidateFeatures.AsSpan(n * width, width));
            }
        }
        float[]? recall = null;
        if (ranker.NeedsRecallScores)
        {
            recall = new float[candidates.Count];
            for (var n = 0; n < recall.Length; n++)
            {
                recall[n] = query.RecallScores.IsDefaultOrEmpty ? 0 : query.RecallScores[positions[n]];
            }
        }
        return new RankingRequest(
            ranker.Scorer.Features.User(user),
            history,
            candidates,
            query.Timestamp.ToUnixTimeSeconds(),
            liked,
            disliked,
            recall,
            candidateFeatures);
    }
}
