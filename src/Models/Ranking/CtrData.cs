using RecSys.Models.Data;

namespace RecSys.Models.Ranking;

/// <summary>How interactions become labelled CTR examples.</summary>
public enum CtrLabelling
{
    /// <summary>
    /// Explicit ratings, RecBole's context-aware benchmark: every rating is one example, label = rating ≥ like
    /// threshold; one task ("like").
    /// </summary>
    Ratings,

    /// <summary>Implicit feedback: every interaction is a positive, plus sampled unseen items as negatives; task "click".</summary>
    Implicit,

    /// <summary>
    /// Two tasks from explicit ratings: click = 1 for every rated item and 0 for sampled unseen items; like = rating ≥
    /// threshold for rated items and 0 for the sampled ones (an item never rated was not liked). Like is therefore the
    /// joint "clicked and liked" (ESMM's CTCVR), which is what a ranker serving unseen candidates must predict.
    /// </summary>
    ClickAndLike,
}

/// <summary>How <see cref="CtrData.Split"/> builds its examples. Every default lives here.</summary>
public sealed record CtrOptions
{
    /// <summary>(enum) How labels are made.</summary>
    public CtrLabelling Labelling { get; init; } = CtrLabelling.Ratings;

    /// <summary>(float) A rating at least this is a like.</summary>
    public float LikeThreshold { get; init; } = 4;

    /// <summary>(int) Sampled negatives per positive (Implicit and ClickAndLike).</summary>
    public int NegativesPerPositive { get; init; } = 1;

    /// <summary>(double) Share of interactions used for training; validation takes <see cref="ValidationRatio"/>, test the rest.</summary>
    public double TrainRatio { get; init; } = 0.8;

    public double ValidationRatio { get; init; } = 0.1;

    /// <summary>(ulong) Seed of the split and of negative sampling.</summary>
    public ulong Seed { get; init; } = 42;

    public FeatureMapOptions Features { get; init; } = new();

    /// <summary>
    /// The interactions histories and "seen" sets are built from (null: every interaction of the dataset). The
    /// two-stage protocol passes training + validation, so nothing about the test items reaches the ranker's data,
    /// not even by sparing them as negatives.
    /// </summary>
    public IReadOnlyList<Interaction>? Known { get; init; }

    /// <summary>
    /// Per user index, items to draw "hard" negatives from (e.g. a recall model's candidates: what the ranker will
    /// have to sort), or null. A user's pool is shuffled once and drawn without replacement, so each pool item is
    /// a negative for that user at most once, like one impression that was not clicked; seen items are skipped and
    /// an exhausted pool falls back to uniform sampling.
    /// </summary>
    public IReadOnlyList<int[]?>? NegativePools { get; init; }

    /// <summary>(double) Share of the sampled negatives taken from <see cref="NegativePools"/> (0..1).</summary>
    public double PoolNegativeShare { get; init; } = 0.5;
}

/// <summary>Train, validation and test examples of one feature map, with the encoded users and items behind them.</summary>
public sealed record CtrSplit(string Protocol, CtrDataset Train, CtrDataset Validation, CtrDataset Test, RankingFeatures Features);

/// <summary>Each user's interactions sorted by time, to give an example the items seen (and liked) strictly before it.</summary>
public sealed class UserHistories
{
    private readonly long[][] _times;
    private readonly int[][] _items;
    private readonly float[][] _ratings;

    public UserHistories(int users, IEnumerable<Interaction> interactions)
    {
        var lists = new List<(long Time, int Item, float Rating)>[users];
        for (var u = 0; u < users; u++)
        {
            lists[u] = [];
        }
        foreach (var i in interactions)
        {
            lists[i.User].Add((i.Timestamp, i.Item, i.Rating));
        }
        _times = new long[users][];
        _items = new int[users][];
        _ratings = new float[users][];
        for (var u = 0; u < users; u++)
        {
            var sorted = lists[u].Select((e, n) => (e.Time, n, e.Item, e.Rating)).Order().ToArray(); // stable: ties keep input order
            _times[u] = [.. sorted.Select(e => e.Time)];
            _items[u] = [.. sorted.Select(e => e.Item)];
            _ratings[u] = [.. sorted.Select(e => e.Rating)];
        }
    }

    /// <summary>The user's items with a timestamp strictly before <paramref name="time"/>, oldest first.</summary>
    public ReadOnlySpan<int> Before(int user, long time) => _items[user].AsSpan(0, CountBefore(user, time));

    /// <summary>Of <see cref="Before"/>, the items rated at least <paramref name="threshold"/>, oldest first.</summary>
    public int[] LikedBefore(int user, long time, float threshold) => RatedBefore(user, time, threshold, liked: true);

    /// <summary>Of <see cref="Before"/>, the items rated below <paramref name="threshold"/>, oldest first.</summary>
    public int[] DislikedBefore(int user, long time, float threshold) => RatedBefore(user, time, threshold, liked: false);

    private int[] RatedBefore(int user, long time, float threshold, bool liked)
    {
        var count = CountBefore(user, time);
        var items = new List<int>();
        for (var n = 0; n < count; n++)
        {
            if (_ratings[user][n] >= threshold == liked)
            {
                items.Add(_items[user][n]);
            }
        }
        return [.. items];
    }

    /// <summary>Every item the user interacted with.</summary>
    public IReadOnlySet<int> Seen(int user) => (_seen ??= new HashSet<int>?[_items.Length])[user] ??= [.. _items[user]];

    private HashSet<int>?[]? _seen;

    private int CountBefore(int user, long time)
    {
        var times = _times[user];
        int lo = 0, hi = times.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (times[mid] < time)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }
}

/// <summary>Builds CTR datasets from interaction data.</summary>
public static class CtrData
{
    /// <summary><see cref="CtrLabelling.Implicit"/> when every interaction has the same rating (no explicit feedback), else <see cref="CtrLabelling.Ratings"/>.</summary>
    public static CtrLabelling DefaultLabelling(InteractionDataset dataset) =>
        dataset.Interactions.Length > 0 && dataset.Interactions.Any(i => i.Rating != dataset.Interactions[0].Rating) ? CtrLabelling.Ratings : CtrLabelling.Implicit;

    /// <summary>
    /// Random split of all interactions (not per user; RecBole's "RS" with order RO and no grouping, as in its
    /// context-aware benchmark) into train/validation/test by <see cref="CtrOptions.TrainRatio"/>, then
    /// <see cref="Build"/>.
    /// </summary>
    public static CtrSplit Split(InteractionDataset dataset, CtrOptions? options = null)
    {
        options ??= new CtrOptions();
        if (options.TrainRatio <= 0 || options.ValidationRatio < 0 || options.TrainRatio + options.ValidationRatio > 1 + 1e-9)
        {
            throw new ArgumentException($"ratios {options.TrainRatio}:{options.ValidationRatio} must be positive and add up to at most 1", nameof(options));
        }
        var shuffled = (Interaction[])dataset.Interactions.Clone();
        new DeterministicRandom(options.Seed).Shuffle(shuffled);
        var trainEnd = (int)Math.Round(options.TrainRatio * shuffled.Length, 9); // floor, but 0.8 × 100000 must give 80000
        var validEnd = Math.Min(shuffled.Length, (int)Math.Round((options.TrainRatio + options.ValidationRatio) * shuffled.Length, 9));
        var split = Build(dataset, shuffled[..trainEnd], shuffled[trainEnd..validEnd], shuffled[validEnd..], options);
        var ratio = $"{options.TrainRatio:0.##}/{options.ValidationRatio:0.##}/{1 - options.TrainRatio - options.ValidationRatio:0.##}";
        return split with { Protocol = $"ctr(random {ratio}, {options.Labelling.ToString().ToLowerInvariant()}, seed {options.Seed})" };
    }

    /// <summary>
    /// Encodes the three parts. Statistics (user mean/variance/activity/top genres, item popularity/mean) come from
    /// <paramref name="train"/> only; a training row sees them without its own rating (leave-one-out), so no row ever
    /// sees its label through a statistic. A row's history is every interaction of the user (any part: serving knows
    /// all past events) strictly earlier than the row. Dense scaling is fitted on the training rows.
    /// </summary>
    public static CtrSplit Build(InteractionDataset dataset, Interaction[] train, Interaction[] validation, Interaction[] test, CtrOptions options)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(options.NegativesPerPositive);
        if (options.PoolNegativeShare is < 0 or > 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PoolNegativeShare, "PoolNegativeShare must be from 0 to 1");
        }
        var vocabularies = SideFeatures.Build(dataset.UserCount, dataset.ItemCount, dataset.UserInfos, dataset.ItemInfos);
        var userStatistics = Enumerable.Range(0, dataset.UserCount).Select(_ => new UserStatistics()).ToArray();
        var itemStatistics = Enumerable.Range(0, dataset.ItemCount).Select(_ => new ItemStatistics()).ToArray();
        foreach (var i in train)
        {
            userStatistics[i.User].Add(i.Rating, vocabularies.ItemGenres[i.Item]);
            itemStatistics[i.Item].Add(i.Rating, vocabularies.ItemGenres[i.Item]);
        }
        string[] tasks = options.Labelling switch
        {
            CtrLabelling.Ratings => ["like"],
            CtrLabelling.Implicit => ["click"],
            _ => ["click", "like"],
        };
        var map = FeatureMap.Build(options.Features, dataset.UserCount, dataset.ItemCount, vocabularies, tasks, StatisticsPrior.From(train.Select(i => i.Rating)));
        var features = RankingFeatures.Build(map, dataset.UserInfos, dataset.ItemInfos, userStatistics, itemStatistics);
        var histories = new UserHistories(dataset.UserCount, options.Known ?? dataset.Interactions);
        var random = new DeterministicRandom(options.Seed ^ 0x5EED_0F_C7Aul);
        var pools = new PoolSampler(options.NegativePools, options.Seed);

        CtrDataset Encode(Interaction[] part, bool training)
        {
            var builder = new CtrDatasetBuilder(map);
            Span<float> labels = stackalloc float[tasks.Length];
            foreach (var i in part)
            {
                var user = features.Users[i.User];
                var item = features.Items[i.Item];
                var history = histories.Before(i.User, i.Timestamp);
                var likedHistory = histories.LikedBefore(i.User, i.Timestamp, options.LikeThreshold);
                var dislikedHistory = histories.DislikedBefore(i.User, i.Timestamp, options.LikeThreshold);
                var liked = i.Rating >= options.LikeThreshold ? 1f : 0f;
                if (options.Labelling == CtrLabelling.Ratings)
                {
                    labels[0] = liked;
                }
                else
                {
                    labels[0] = 1;
                    if (tasks.Length > 1)
                    {
                        labels[1] = liked;
                    }
                }
                builder.Add(
                    user, item, i.Timestamp, history, labels, i.User,
                    training ? userStatistics[i.User].FeaturesWithout(i.Rating, vocabularies.ItemGenres[i.Item], map.Prior) : null,
                    training ? itemStatistics[i.Item].FeaturesWithout(i.Rating, map.Prior) : null,
                    likedHistory,
                    dislikedHistory);
                if (options.Labelling == CtrLabelling.Ratings)
                {
                    continue;
                }
                labels.Clear();
                for (var k = 0; k < options.NegativesPerPositive; k++)
                {
                    var fromPool = options.PoolNegativeShare > 0 && random.NextDouble() < options.PoolNegativeShare
                        ? pools.Next(i.User, histories.Seen(i.User))
                        : null;
                    if ((fromPool ?? SampleUnseen(histories.Seen(i.User), dataset.ItemCount, random)) is { } negative)
                    {
                        builder.Add(user, features.Items[negative], i.Timestamp, history, labels, i.User, liked: likedHistory, disliked: dislikedHistory);
                    }
                }
            }
            return builder.Build();
        }

        var trainSet = Encode(train, training: true);
        var validSet = Encode(validation, training: false);
        var testSet = Encode(test, training: false);
        var scaled = map.WithDenseScaling(trainSet);
        return new CtrSplit(
            "ctr",
            trainSet.WithMap(scaled),
            validSet.WithMap(scaled),
            testSet.WithMap(scaled),
            new RankingFeatures(scaled, features.Users, features.Items));
    }

    /// <summary>Each user's pool, shuffled once (seeded per user) and drawn without replacement.</summary>
    private sealed class PoolSampler(IReadOnlyList<int[]?>? pools, ulong seed)
    {
        private readonly Dictionary<int, (int[] Order, int Next)> _state = [];

        public int? Next(int user, IReadOnlySet<int> seen)
        {
            if (pools is null || user >= pools.Count || pools[user] is not { Length: > 0 } pool)
            {
                return null;
            }
            if (!_state.TryGetValue(user, out var state))
            {
                var order = (int[])pool.Clone();
                new DeterministicRandom(seed ^ ((ulong)user * 0x9E3779B97F4A7C15UL)).Shuffle(order);
                state = (order, 0);
            }
            int? drawn = null;
            while (drawn is null && state.Next < state.Order.Length)
            {
                var item = state.Order[state.Next++];
                if (!seen.Contains(item))
                {
                    drawn = item;
                }
            }
            _state[user] = state;
            return drawn;
        }
    }

    private static int? SampleUnseen(IReadOnlySet<int> seen, int items, DeterministicRandom random)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var candidate = random.Next(items);
            if (!seen.Contains(candidate))
            {
                return candidate;
            }
        }
        return null; // the user has seen (almost) everything
    }
}
