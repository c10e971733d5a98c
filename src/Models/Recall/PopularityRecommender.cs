using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="PopularityRecommender"/>.</summary>
public sealed record PopularityRecommenderOptions : IModelOptions
{
    [Option("half_life_days", "(double) half-life of an interaction's weight, from the last training interaction; 0 = plain counts")]
    public double HalfLifeDays { get; init; }

    public IEnumerable<string> Validate()
    {
        if (HalfLifeDays < 0) yield return "half_life_days must not be negative";
    }
}

/// <summary>Most popular items first (optionally time-decayed), the same list for every user.</summary>
public sealed class PopularityRecommender(PopularityRecommenderOptions? options = null) : IRecommender
{
    private readonly PopularityRecommenderOptions _options = options ?? new();
    private float[] _scores = [];

    public string Name => "pop";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var scores = new float[train.ItemCount];
        var latest = long.MinValue;
        for (var u = 0; u < train.UserCount; u++)
        {
            foreach (var t in train.TimesOf(u))
            {
                latest = Math.Max(latest, t);
            }
        }
        var halfLifeSeconds = _options.HalfLifeDays * 86_400;
        for (var u = 0; u < train.UserCount; u++)
        {
            var items = train.ItemsOf(u);
            var times = train.TimesOf(u);
            for (var n = 0; n < items.Length; n++)
            {
                scores[items[n]] += halfLifeSeconds > 0 ? (float)Math.Pow(2, -(latest - times[n]) / halfLifeSeconds) : 1f;
            }
        }
        _scores = scores;
        context.Progress?.Report(new TrainingProgress("counting", 1));
    }

    public void Score(int user, Span<float> scores) => _scores.CopyTo(scores);
}
