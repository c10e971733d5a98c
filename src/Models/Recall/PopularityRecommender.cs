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
        var events = Enumerable.Range(0, train.UserCount)
            .SelectMany(u => train.ItemsOf(u).ToArray().Zip(train.TimesOf(u).ToArray()));
        _scores = PopularityModel.DecayedCounts(train.ItemCount, events, TimeSpan.FromDays(_options.HalfLifeDays)).Scores;
        context.Progress?.Report(new TrainingProgress("counting", 1));
    }

    public void Score(int user, Span<float> scores) => _scores.CopyTo(scores);
}
