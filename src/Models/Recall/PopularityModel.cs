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
        var (scores, reference) = DecayedCounts(dataset.ItemCount, dataset.Interactions.Select(i => (i.Item, i.Timestamp)), options.HalfLife);
        return new PopularityModel(dataset.Items, scores, DateTimeOffset.FromUnixTimeSeconds(reference));
    }

    /// <summary>
    /// Each item's count, every event weighted 2^(-age / halfLife) with ages measured from the latest event (the
    /// returned reference time); a zero half-life gives plain counts.
    /// </summary>
    public static (float[] Scores, long Reference) DecayedCounts(int itemCount, IEnumerable<(int Item, long Timestamp)> events, TimeSpan halfLife)
    {
        var list = events as IReadOnlyCollection<(int Item, long Timestamp)> ?? [.. events];
        var reference = list.Count == 0 ? 0 : list.Max(e => e.Timestamp);
        var scores = new float[itemCount];
        foreach (var (item, timestamp) in list)
        {
            scores[item] += halfLife > TimeSpan.Zero ? (float)Math.Pow(2.0, -(reference - timestamp) / halfLife.TotalSeconds) : 1f;
        }
        return (scores, reference);
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
