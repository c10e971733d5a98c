using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="PopularityModel"/>.</summary>
public sealed record PopularityOptions
{
    /// <summary>(TimeSpan) Half-life of an interaction's contribution; zero disables decay (plain counts).</summary>
    public TimeSpan HalfLife { get; init; } = TimeSpan.FromDays(14);
}

/// <summary>
/// Popularity with time decay: each interaction adds 2^(-age / halfLife) to its item, with ages measured from
/// the dataset's last interaction (so an old dataset still ranks its own recent favourites first).
/// </summary>
public sealed class PopularityModel
{
    private readonly float[] _scores;

    private PopularityModel(IdVocabulary items, float[] scores, DateTimeOffset asOf)
    {
        Items = items;
        _scores = scores;
        AsOf = asOf;
    }

    public IdVocabulary Items { get; }

    /// <summary>The time the scores are valid at.</summary>
    public DateTimeOffset AsOf { get; }

    public IReadOnlyList<float> Scores => _scores;

    public static PopularityModel Build(InteractionDataset dataset, PopularityOptions? options = null)
    {
        options ??= new PopularityOptions();
        var scores = new float[dataset.ItemCount];
        var reference = dataset.Interactions.Length == 0 ? 0 : dataset.Interactions.Max(i => i.Timestamp);
        var asOf = DateTimeOffset.FromUnixTimeSeconds(reference);
        foreach (var interaction in dataset.Interactions)
        {
            var weight = options.HalfLife > TimeSpan.Zero
                ? Math.Pow(2.0, -(reference - interaction.Timestamp) / options.HalfLife.TotalSeconds)
                : 1.0;
            scores[interaction.Item] += (float)weight;
        }
        return new PopularityModel(dataset.Items, scores, asOf);
    }

    /// <summary>The <paramref name="count"/> most popular items, skipping those <paramref name="exclude"/> rejects.</summary>
    public ScoredItem[] Top(int count, Func<int, bool>? exclude = null)
    {
        var top = new TopK(count);
        for (var i = 0; i < _scores.Length; i++)
        {
            if (_scores[i] > 0 && (exclude is null || !exclude(i)))
            {
                top.Offer(i, _scores[i]);
            }
        }
        return top.ToSortedArray();
    }
}
