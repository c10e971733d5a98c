using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

public class PopularityAndDecayTests
{
    private static readonly TimeSpan Day = TimeSpan.FromDays(1);

    [Fact]
    public void Popularity_decays_interactions_by_age_from_the_last_one()
    {
        // A: two interactions one half-life before the end; B: one at the end.
        var data = TestData.Dataset(("u1", "A", 1f, 0L), ("u2", "A", 1f, 0L), ("u3", "B", 1f, 86_400L));

        var model = PopularityModel.Build(data, new PopularityOptions { HalfLife = Day });

        Assert.Equal(1.0, model.Scores[data.Items.TryGetIndex("A", out var a) ? a : -1], 6);
        Assert.Equal(1.0, model.Scores[data.Items.TryGetIndex("B", out var b) ? b : -1], 6);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(86_400), model.AsOf);
    }

    [Fact]
    public void Popularity_without_decay_counts_and_ranks_with_exclusions()
    {
        var data = TestData.Dataset(("u1", "A"), ("u2", "A"), ("u3", "B"), ("u1", "C"), ("u2", "C"), ("u3", "C"));

        var model = PopularityModel.Build(data, new PopularityOptions { HalfLife = TimeSpan.Zero });
        var top = model.Top(2);
        data.Items.TryGetIndex("C", out var c);
        var withoutC = model.Top(2, item => item == c);

        Assert.Equal(["C", "A"], top.Select(t => data.Items[t.Item]));
        Assert.Equal([3f, 2f], top.Select(t => t.Score));
        Assert.Equal(["A", "B"], withoutC.Select(t => data.Items[t.Item]));
    }

    [Fact]
    public void Decayed_sums_do_not_depend_on_arrival_order()
    {
        var t0 = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var inOrder = TimeDecay.Add(0, default, 1, t0, Day);
        inOrder = TimeDecay.Add(inOrder.Value, inOrder.AsOf, 1, t0 + Day, Day);
        var late = TimeDecay.Add(0, default, 1, t0 + Day, Day);
        late = TimeDecay.Add(late.Value, late.AsOf, 1, t0, Day);

        Assert.Equal(1.5, inOrder.Value, 9);
        Assert.Equal(inOrder.Value, late.Value, 9);
        Assert.Equal(inOrder.AsOf, late.AsOf);
        Assert.Equal(0.375, TimeDecay.Decay(1.5, t0 + Day, t0 + 3 * Day, Day), 9);
    }

    [Fact]
    public void TopK_keeps_the_best_with_deterministic_ties()
    {
        var top = new TopK(3);
        foreach (var (item, score) in new[] { (5, 1f), (1, 3f), (4, 2f), (2, 3f), (3, 0.5f), (0, 2f) })
        {
            top.Offer(item, score);
        }

        Assert.Equal([1, 2, 0], top.ToSortedArray().Select(s => s.Item));
        Assert.Empty(new TopK(0).ToSortedArray());
    }
}
