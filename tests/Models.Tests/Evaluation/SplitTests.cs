using RecSys.Models.Data;
using RecSys.Models.Evaluation;

namespace RecSys.Models.Tests.Evaluation;

public class SplitTests
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 300, Items = 120, Seed = 9 });

    private static void AssertPartition(DataSplit split)
    {
        var all = split.Train.Concat(split.Validation).Concat(split.Test).ToList();
        Assert.Equal(Data.Interactions.Length, all.Count);
        Assert.Equal(Data.Interactions.Order(Comparer), all.Order(Comparer)); // every interaction exactly once
    }

    private static readonly Comparer<Interaction> Comparer = Comparer<Interaction>.Create((a, b) =>
        (a.User, a.Item, a.Timestamp).CompareTo((b.User, b.Item, b.Timestamp)));

    [Fact]
    public void Stratified_by_item_keeps_round_half_even_of_three_quarters_of_each_item()
    {
        var split = Splits.StratifiedByItem(Data, 0.75, seed: 42);

        AssertPartition(split);
        Assert.Empty(split.Validation);
        var total = Data.Interactions.GroupBy(i => i.Item).ToDictionary(g => g.Key, g => g.Count());
        var trained = split.Train.GroupBy(i => i.Item).ToDictionary(g => g.Key, g => g.Count());
        foreach (var (item, n) in total)
        {
            Assert.Equal((int)Math.Round(0.75 * n, MidpointRounding.ToEven), trained.GetValueOrDefault(item));
        }
        Assert.Equal(2, (int)Math.Round(0.75 * 2, MidpointRounding.ToEven)); // Python's round(1.5) == 2
        Assert.Equal(4, (int)Math.Round(0.75 * 6, MidpointRounding.ToEven)); // round(4.5) == 4
    }

    [Fact]
    public void Random_splits_are_deterministic_by_seed()
    {
        Assert.Equal(Splits.StratifiedByItem(Data, seed: 1).Test, Splits.StratifiedByItem(Data, seed: 1).Test);
        Assert.NotEqual(Splits.StratifiedByItem(Data, seed: 1).Test, Splits.StratifiedByItem(Data, seed: 2).Test);
        Assert.Equal(Splits.RandomByUser(Data, seed: 3).Validation, Splits.RandomByUser(Data, seed: 3).Validation);
        Assert.NotEqual(Splits.RandomByUser(Data, seed: 3).Test, Splits.RandomByUser(Data, seed: 4).Test);
    }

    [Fact]
    public void Ratio_split_gives_each_user_floored_shares_with_at_least_one_and_keeps_training()
    {
        var split = Splits.RandomByUser(Data, 0.8, 0.1, 0.1, seed: 42);

        AssertPartition(split);
        foreach (var user in Data.Interactions.GroupBy(i => i.User))
        {
            var n = user.Count();
            var test = split.Test.Count(i => i.User == user.Key);
            var valid = split.Validation.Count(i => i.User == user.Key);
            var train = split.Train.Count(i => i.User == user.Key);
            var expected = Math.Max(1, (int)Math.Floor(0.1 * n));
            Assert.True(train >= 1, $"user {user.Key} kept no training interaction");
            if (n >= 3)
            {
                Assert.Equal(expected, test);
                Assert.Equal(expected, valid);
            }
        }
    }

    [Fact]
    public void Leave_one_out_holds_out_each_users_last_interactions_and_nothing_later_is_trained_on()
    {
        var split = Splits.LeaveOneOut(Data);

        AssertPartition(split);
        foreach (var events in Data.InteractionsByUser().Where(e => e.Length >= 3))
        {
            var user = events[0].User;
            Assert.Equal(events[^1], Assert.Single(split.Test, i => i.User == user));
            Assert.Equal(events[^2], Assert.Single(split.Validation, i => i.User == user));
            var latestTrain = split.Train.Where(i => i.User == user).Max(i => i.Timestamp);
            Assert.True(latestTrain <= events[^2].Timestamp, "a training interaction is later than the held-out ones");
        }
    }

    [Fact]
    public void Temporal_cut_off_trains_only_on_the_past()
    {
        var split = Splits.TemporalCutoff(Data, 0.2);

        AssertPartition(split);
        Assert.True(split.Train.Max(i => i.Timestamp) < split.Test.Min(i => i.Timestamp));
        Assert.InRange(split.Test.Length / (double)Data.Interactions.Length, 0.19, 0.25);
    }

    [Fact]
    public void Invalid_ratios_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.StratifiedByItem(Data, 1.2));
        Assert.Throws<ArgumentException>(() => Splits.RandomByUser(Data, 0.8, 0.3, 0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Splits.TemporalCutoff(Data, 0));
    }
}
