using RecSys.Models.Data;

namespace RecSys.Models.Evaluation;

/// <summary>A dataset divided for offline evaluation. Indices follow the dataset's vocabularies.</summary>
/// <param name="Protocol">How it was split, e.g. "msr(75/25 by item, seed 42)".</param>
public sealed record DataSplit(string Protocol, InteractionDataset Dataset, Interaction[] Train, Interaction[] Validation, Interaction[] Test)
{
    public int UserCount => Dataset.UserCount;

    public int ItemCount => Dataset.ItemCount;
}

/// <summary>
/// Deterministic train/validation/test splits. Every split keeps each interaction in exactly one part; random
/// ones depend only on the seed and the data.
/// </summary>
public static class Splits
{
    /// <summary>
    /// The Microsoft Recommenders benchmark split (<c>python_stratified_split(ratio=0.75, filter_by="item")</c>):
    /// each item's interactions are shuffled and the first round(ratio × n) go to training, rounding halves to
    /// even as Python does, so an item with 2 interactions keeps both in training and one with 6 keeps 4.
    /// </summary>
    public static DataSplit StratifiedByItem(InteractionDataset dataset, double trainRatio = 0.75, ulong seed = 42)
    {
        CheckRatio(trainRatio, nameof(trainRatio));
        var random = new DeterministicRandom(seed);
        var train = new List<Interaction>();
        var test = new List<Interaction>();
        foreach (var group in GroupBy(dataset.Interactions, dataset.ItemCount, i => i.Item))
        {
            random.Shuffle(group);
            var trainCount = (int)Math.Round(trainRatio * group.Length, MidpointRounding.ToEven);
            train.AddRange(group.AsSpan(0, trainCount));
            test.AddRange(group.AsSpan(trainCount));
        }
        return new DataSplit($"msr(train {trainRatio:0.##} per item, seed {seed})", dataset, [.. train], [], [.. test]);
    }

    /// <summary>
    /// RecBole's random ratio split ("RS") per user: each user's interactions are shuffled and cut by the ratios.
    /// Validation and test get floor(ratio × n) each, and at least one when ratio × n is positive and the user
    /// keeps at least one training interaction; training gets the rest.
    /// </summary>
    public static DataSplit RandomByUser(InteractionDataset dataset, double train = 0.8, double validation = 0.1, double test = 0.1, ulong seed = 42)
    {
        CheckRatio(train, nameof(train));
        if (validation < 0 || test <= 0 || Math.Abs(train + validation + test - 1) > 1e-9)
        {
            throw new ArgumentException($"ratios {train}:{validation}:{test} must be non-negative, with a test part, and add up to 1");
        }
        var random = new DeterministicRandom(seed);
        var trainPart = new List<Interaction>();
        var validPart = new List<Interaction>();
        var testPart = new List<Interaction>();
        foreach (var group in GroupBy(dataset.Interactions, dataset.UserCount, i => i.User))
        {
            random.Shuffle(group);
            var n = group.Length;
            var testCount = PartSize(test, n);
            var validCount = PartSize(validation, n);
            while (n - testCount - validCount < 1 && (testCount + validCount) > 0)
            {
                // Keep one training interaction per user when the rounding up would take them all.
                if (validCount > 0) validCount--; else testCount--;
            }
            var trainCount = n - validCount - testCount;
            trainPart.AddRange(group.AsSpan(0, trainCount));
            validPart.AddRange(group.AsSpan(trainCount, validCount));
            testPart.AddRange(group.AsSpan(trainCount + validCount));
        }
        return new DataSplit($"ratio({train:0.##}:{validation:0.##}:{test:0.##} per user, seed {seed})", dataset, [.. trainPart], [.. validPart], [.. testPart]);
    }

    /// <summary>
    /// Chronological leave-one-out per user: the last interaction is the test item, the second-last the
    /// validation item, the rest training (ties in time keep input order). Users with two interactions give one
    /// to training and one to test; users with one keep it in training.
    /// </summary>
    public static DataSplit LeaveOneOut(InteractionDataset dataset)
    {
        var train = new List<Interaction>();
        var validation = new List<Interaction>();
        var test = new List<Interaction>();
        foreach (var events in dataset.InteractionsByUser())
        {
            switch (events.Length)
            {
                case 0:
                    break;
                case 1:
                    train.Add(events[0]);
                    break;
                case 2:
                    train.Add(events[0]);
                    test.Add(events[1]);
                    break;
                default:
                    train.AddRange(events.AsSpan(0, events.Length - 2));
                    validation.Add(events[^2]);
                    test.Add(events[^1]);
                    break;
            }
        }
        return new DataSplit("loo(last item per user)", dataset, [.. train], [.. validation], [.. test]);
    }

    /// <summary>
    /// A global temporal cut-off: the latest <paramref name="testFraction"/> of interactions (by timestamp) are
    /// the test set, everything strictly earlier is training; interactions at the cut-off time go to test so no
    /// training interaction is later than any test one.
    /// </summary>
    public static DataSplit TemporalCutoff(InteractionDataset dataset, double testFraction = 0.2)
    {
        if (testFraction is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be between 0 and 1");
        }
        var times = dataset.Interactions.Select(i => i.Timestamp).Order().ToArray();
        if (times.Length == 0)
        {
            return new DataSplit("temporal(empty)", dataset, [], [], []);
        }
        var cutoff = times[Math.Clamp((int)Math.Floor(times.Length * (1 - testFraction)), 0, times.Length - 1)];
        var train = dataset.Interactions.Where(i => i.Timestamp < cutoff).ToArray();
        var test = dataset.Interactions.Where(i => i.Timestamp >= cutoff).ToArray();
        var when = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(cutoff, 0, 253_402_300_799));
        return new DataSplit($"temporal(test from {when:yyyy-MM-dd HH:mm}, {test.Length * 100.0 / times.Length:0.#}%)", dataset, train, [], test);
    }

    private static int PartSize(double ratio, int n)
    {
        var size = (int)Math.Floor(ratio * n);
        return size == 0 && ratio * n > 0 ? 1 : size;
    }

    private static void CheckRatio(double ratio, string name)
    {
        if (ratio is <= 0 or >= 1 || double.IsNaN(ratio))
        {
            throw new ArgumentOutOfRangeException(name, ratio, "must be between 0 and 1");
        }
    }

    /// <summary>Groups in key order; within a group, input order.</summary>
    private static Interaction[][] GroupBy(Interaction[] interactions, int keys, Func<Interaction, int> key)
    {
        var counts = new int[keys];
        foreach (var i in interactions)
        {
            counts[key(i)]++;
        }
        var groups = new Interaction[keys][];
        for (var k = 0; k < keys; k++)
        {
            groups[k] = new Interaction[counts[k]];
        }
        var fill = new int[keys];
        foreach (var i in interactions)
        {
            var k = key(i);
            groups[k][fill[k]++] = i;
        }
        return groups;
    }
}
