namespace RecSys.Models.Ranking;

/// <summary>
/// Global rating mean and variance that per-user and per-item means shrink towards, with the weight of
/// <paramref name="Strength"/> pseudo-ratings: a user with two ratings gets a mean close to the global one.
/// </summary>
public sealed record StatisticsPrior(double MeanRating, double RatingVariance, double Strength = 5)
{
    public static StatisticsPrior From(IEnumerable<float> ratings)
    {
        long n = 0;
        double sum = 0, squares = 0;
        foreach (var r in ratings)
        {
            n++;
            sum += r;
            squares += (double)r * r;
        }
        var mean = n == 0 ? 0 : sum / n;
        return new StatisticsPrior(mean, n == 0 ? 1 : Math.Max(0, squares / n - mean * mean));
    }
}

/// <summary>What <see cref="UserStatistics"/> gives a model.</summary>
/// <param name="Top1">Genre id (0 = none) of the user's most frequent category; Top2 and Top3 the next ones.</param>
public readonly record struct UserStatisticsFeatures(float MeanRating, float RatingVariance, float LogCount, int Top1, int Top2, int Top3);

/// <summary>What <see cref="ItemStatistics"/> gives a model.</summary>
public readonly record struct ItemStatisticsFeatures(float LogCount, float MeanRating);

/// <summary>
/// Running statistics of one user's ratings (feed it TRAINING events only): count, mean and variance of ratings and
/// how often each category occurs among the rated items. The same accumulator runs online over a user's live
/// events, so serving computes exactly what training saw.
/// </summary>
public sealed class UserStatistics
{
    public const int TopCategories = 3;

    private readonly Dictionary<int, int> _categories = [];

    public long Count { get; private set; }

    public double Sum { get; private set; }

    public double SumOfSquares { get; private set; }

    /// <summary>Adds one rated event; <paramref name="categories"/> are genre ids (0, unknown, is ignored).</summary>
    public void Add(float rating, IReadOnlyList<int> categories)
    {
        Count++;
        Sum += rating;
        SumOfSquares += (double)rating * rating;
        foreach (var c in categories)
        {
            if (c > 0)
            {
                _categories[c] = _categories.GetValueOrDefault(c) + 1;
            }
        }
    }

    /// <summary>Mean and variance shrunk towards <paramref name="prior"/>, log(1 + count) and the top-3 categories.</summary>
    public UserStatisticsFeatures Features(StatisticsPrior prior) => Compute(Count, Sum, SumOfSquares, prior, _ => 0);

    /// <summary>
    /// The features without one event that was added (leave-one-out): a training example must not see its own rating
    /// in its features, or the model learns a shortcut that does not exist at test time.
    /// </summary>
    public UserStatisticsFeatures FeaturesWithout(float rating, IReadOnlyList<int> categories, StatisticsPrior prior) =>
        Compute(Count - 1, Sum - rating, SumOfSquares - (double)rating * rating, prior, c => categories.Contains(c) ? 1 : 0);

    private UserStatisticsFeatures Compute(long n, double sum, double squares, StatisticsPrior prior, Func<int, int> removed)
    {
        n = Math.Max(0, n);
        var k = prior.Strength;
        var mean = (sum + k * prior.MeanRating) / (n + k);
        var ownVariance = n == 0 ? 0 : Math.Max(0, squares / n - (sum / n) * (sum / n));
        var variance = (n * ownVariance + k * prior.RatingVariance) / (n + k);
        Span<(int Count, int Id)> top = stackalloc (int, int)[TopCategories];
        foreach (var (id, raw) in _categories)
        {
            var count = raw - removed(id);
            if (count <= 0)
            {
                continue;
            }
            // Insert into the small sorted list: more frequent first, lower id first on ties.
            for (var slot = 0; slot < TopCategories; slot++)
            {
                if (top[slot].Count < count || (top[slot].Count == count && top[slot].Id > id))
                {
                    for (var move = TopCategories - 1; move > slot; move--)
                    {
                        top[move] = top[move - 1];
                    }
                    top[slot] = (count, id);
                    break;
                }
            }
        }
        return new UserStatisticsFeatures((float)mean, (float)variance, (float)Math.Log(1 + n), top[0].Id, top[1].Id, top[2].Id);
    }
}

/// <summary>Running statistics of one item's ratings (TRAINING events only): popularity and mean rating.</summary>
public sealed class ItemStatistics
{
    public long Count { get; private set; }

    public double Sum { get; private set; }

    /// <summary>Adds one rated event (categories are accepted for symmetry with <see cref="UserStatistics"/>).</summary>
    public void Add(float rating, IReadOnlyList<int>? categories = null)
    {
        Count++;
        Sum += rating;
    }

    /// <summary>log(1 + count) and the mean rating shrunk towards <paramref name="prior"/>.</summary>
    public ItemStatisticsFeatures Features(StatisticsPrior prior) => Compute(Count, Sum, prior);

    /// <summary>The features without one added event (leave-one-out, see <see cref="UserStatistics.FeaturesWithout"/>).</summary>
    public ItemStatisticsFeatures FeaturesWithout(float rating, StatisticsPrior prior) => Compute(Count - 1, Sum - rating, prior);

    private static ItemStatisticsFeatures Compute(long n, double sum, StatisticsPrior prior)
    {
        n = Math.Max(0, n);
        var mean = (sum + prior.Strength * prior.MeanRating) / (n + prior.Strength);
        return new ItemStatisticsFeatures((float)Math.Log(1 + n), (float)mean);
    }
}
