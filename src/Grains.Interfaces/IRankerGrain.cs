using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>Scores merged recall candidates with the active ranker. Stateless worker: key = 0.</summary>
[Alias("recsys.IRankerGrain")]
public interface IRankerGrain : IGrainWithIntegerKey
{
    /// <summary>Rank scores for the candidates, or null when the version has no ranker.</summary>
    [Alias("Rank")]
    Task<RankResult?> RankAsync(RankQuery query);
}
