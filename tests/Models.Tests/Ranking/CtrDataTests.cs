using RecSys.Models.Data;
using RecSys.Models.Ranking;

namespace RecSys.Models.Tests.Ranking;

public sealed class CtrDataTests
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 120, Items = 60, Seed = 7 });

    [Fact]
    public void The_feature_map_round_trips_through_json()
    {
        var split = CtrData.Split(Data);
        var map = split.Train.Map;

        var copy = FeatureMap.FromJson(map.ToJson());

        Assert.Equal(map.ToJson(), copy.ToJson());
        Assert.Equal(map.Features, copy.Features); // records compare by value, kinds included
        Assert.Equal(map.Tasks, copy.Tasks);
        Assert.Equal(map.Genres, copy.Genres);
        Assert.Equal(map.Prior, copy.Prior);
        Assert.Equal(map.Tables, copy.Tables);
    }

    [Fact]
    public void The_default_map_declares_the_movielens_features_with_shared_tables()
    {
        var map = CtrData.Split(Data).Train.Map;

        Assert.Equal(
            ["user_id", "item_id", "gender", "age", "occupation", "year", "hour", "weekday", "user_top_genre_1", "user_top_genre_2", "user_top_genre_3",
             "item_genres", "title_tokens", "hist_item_id", "hist_liked_item_id", "hist_disliked_item_id", "user_mean_rating", "user_rating_variance", "user_log_count", "item_log_count", "item_mean_rating"],
            map.Features.Select(f => f.Name));
        var history = Assert.IsType<SequenceFeature>(map[FeatureNames.HistoryItemId]);
        Assert.Equal("item_id", history.Table);
        Assert.Equal("genre", Assert.IsType<SparseFeature>(map["user_top_genre_2"]).Table);
        Assert.Equal("genre", Assert.IsType<SequenceFeature>(map[FeatureNames.ItemGenres]).Table);
        Assert.DoesNotContain(map.Tables, t => t.Table is "hist_item_id" or "hist_liked_item_id" or "user_top_genre_1" or "item_genres");
        Assert.Equal(Data.ItemCount + 1, map.Tables.Single(t => t.Table == "item_id").Rows);
        Assert.All(map.Dense, d => Assert.True(d.Std > 0));
    }

    [Fact]
    public void Ratings_split_8_1_1_deterministically_with_like_labels()
    {
        var a = CtrData.Split(Data, new CtrOptions { Seed = 3 });
        var b = CtrData.Split(Data, new CtrOptions { Seed = 3 });
        var c = CtrData.Split(Data, new CtrOptions { Seed = 4 });
        var n = Data.Interactions.Length;

        Assert.Equal((int)(0.8 * n), a.Train.Count);
        Assert.Equal((int)(0.9 * n) - (int)(0.8 * n), a.Validation.Count);
        Assert.Equal(n, a.Train.Count + a.Validation.Count + a.Test.Count);
        Assert.Equal(a.Train.Sparse, b.Train.Sparse);
        Assert.Equal(a.Test.Labels, b.Test.Labels);
        Assert.Equal(a.Train.Dense, b.Train.Dense);
        Assert.NotEqual(a.Test.Items, c.Test.Items);
        Assert.Equal(["like"], a.Train.Map.Tasks);
        var likes = Data.Interactions.Count(i => i.Rating >= 4);
        Assert.Equal(likes, (int)(a.Train.Labels.Sum() + a.Validation.Labels.Sum() + a.Test.Labels.Sum()));
    }

    [Fact]
    public void Implicit_and_two_task_labelling_add_unseen_negatives()
    {
        var options = new CtrOptions { Labelling = CtrLabelling.ClickAndLike, NegativesPerPositive = 2 };
        var split = CtrData.Split(Data, options);
        var seen = Data.Interactions.Select(i => (i.User, i.Item)).ToHashSet();

        Assert.Equal(["click", "like"], split.Train.Map.Tasks);
        Assert.Equal(3 * (int)(0.8 * Data.Interactions.Length), split.Train.Count);
        for (var row = 0; row < split.Train.Count; row++)
        {
            var click = split.Train.Labels[row * 2];
            var like = split.Train.Labels[row * 2 + 1];
            Assert.True(like <= click);
            Assert.Equal(click == 1, seen.Contains((split.Train.Users[row], split.Train.Items[row])));
        }
        Assert.Equal(CtrLabelling.Ratings, CtrData.DefaultLabelling(Data));
    }

    [Fact]
    public void Statistics_use_training_examples_only()
    {
        var split = new DataSplitter(Data);
        var before = split.Build();
        // Change every rating outside training: no statistic may move.
        var changed = split.Build(i => i.Rating == 5 ? 1 : 5);

        Assert.Equal(before.Features.Users.Select(u => u.Statistics), changed.Features.Users.Select(u => u.Statistics));
        Assert.Equal(before.Features.Items.Select(i => i.Statistics), changed.Features.Items.Select(i => i.Statistics));
        Assert.Equal(before.Train.Dense, changed.Train.Dense);
        Assert.Equal(before.Test.Dense, changed.Test.Dense);
        Assert.Equal(before.Test.Sparse, changed.Test.Sparse); // top genres included
        Assert.NotEqual(before.Test.Labels, changed.Test.Labels); // the change itself did happen
    }

    [Fact]
    public void A_training_row_does_not_see_its_own_rating_in_its_statistics()
    {
        var statistics = new UserStatistics();
        statistics.Add(5, [1, 2]);
        statistics.Add(1, [2]);
        var prior = new StatisticsPrior(3, 1, Strength: 0.000001);

        var without = statistics.FeaturesWithout(5, [1, 2], prior);
        var only = new UserStatistics();
        only.Add(1, [2]);

        Assert.Equal(only.Features(prior), without);
        Assert.Equal(2, statistics.Features(prior).Top1); // genre 2 twice, genre 1 once
        Assert.Equal(1, statistics.Features(prior).Top2);
        Assert.Equal(0, statistics.Features(prior).Top3);
        Assert.Equal(3, statistics.Features(prior).MeanRating, 3);
        Assert.Equal(4, statistics.Features(prior).RatingVariance, 3);
        Assert.Equal(Math.Log(3), statistics.Features(prior).LogCount, 5);
        var item = new ItemStatistics();
        item.Add(4);
        item.Add(2);
        Assert.Equal(3, item.Features(prior).MeanRating, 3);
        Assert.Equal(2, item.FeaturesWithout(4, prior).MeanRating, 3);
    }

    [Fact]
    public void A_history_holds_only_events_strictly_earlier_than_the_example()
    {
        var data = TestData.Dataset(
            ("u", "a", 5f, 100L), ("u", "b", 4f, 200L), ("u", "c", 3f, 200L), ("u", "d", 5f, 300L), ("v", "a", 2f, 50L));
        var split = CtrData.Build(data, data.Interactions, [], [], new CtrOptions());
        var history = split.Train.Map.Sequences.ToList().FindIndex(s => s.Name == FeatureNames.HistoryItemId);
        var length = split.Train.Map.Sequences[history].MaxLength;

        int[] HistoryOf(int row) => [.. split.Train.Sequences[history].AsSpan(row * length, split.Train.Lengths[history][row]).ToArray().Select(id => id - 1)];

        var ids = data.Items.Ids.ToList();
        var (a, b, c) = (ids.IndexOf("a"), ids.IndexOf("b"), ids.IndexOf("c"));
        Assert.Empty(HistoryOf(0));          // u, a at 100
        Assert.Equal([a], HistoryOf(1));     // u, b at 200: c (same time) is not earlier
        Assert.Equal([a], HistoryOf(2));     // u, c at 200
        Assert.Equal([a, b, c], HistoryOf(3)); // u, d at 300
        Assert.Empty(HistoryOf(4));          // v
        var histories = new UserHistories(data.UserCount, data.Interactions);
        Assert.Equal([a, b, c], histories.Before(0, 300).ToArray());

        // The liked history is the same, restricted to ratings of at least 4.
        var liked = split.Train.Map.Sequences.ToList().FindIndex(s => s.Name == FeatureNames.LikedHistoryItemId);
        int[] LikedOf(int row) => [.. split.Train.Sequences[liked].AsSpan(row * length, split.Train.Lengths[liked][row]).ToArray().Select(id => id - 1)];
        Assert.Empty(LikedOf(0));
        Assert.Equal([a], LikedOf(1));
        Assert.Equal([a], LikedOf(2));
        Assert.Equal([a, b], LikedOf(3));      // c was rated 3
        Assert.Empty(LikedOf(4));              // v rated a 2, and later nothing
        Assert.Equal([a, b], histories.LikedBefore(0, 300, 4));
        Assert.Equal([a], histories.LikedBefore(0, 200, 4));
        Assert.Equal([c], histories.DislikedBefore(0, 301, 4));
        Assert.Equal([a], histories.DislikedBefore(1, 51, 4));
    }

    /// <summary>
    /// Splits with a fixed seed; can rewrite the ratings of the validation and test interactions in the dataset itself
    /// (so code reading the whole dataset for statistics would see the change).
    /// </summary>
    private sealed class DataSplitter(InteractionDataset data)
    {
        public CtrSplit Build(Func<Interaction, float>? heldOutRating = null)
        {
            var order = Enumerable.Range(0, data.Interactions.Length).ToArray();
            new DeterministicRandom(9).Shuffle(order);
            var trainEnd = (int)(0.8 * order.Length);
            var validEnd = (int)(0.9 * order.Length);
            var interactions = (Interaction[])data.Interactions.Clone();
            if (heldOutRating is not null)
            {
                foreach (var k in order[trainEnd..])
                {
                    interactions[k] = interactions[k] with { Rating = heldOutRating(interactions[k]) };
                }
            }
            var dataset = new InteractionDataset(data.Name, data.Users, data.Items, data.UserInfos, data.ItemInfos, interactions);
            Interaction[] Part(int[] rows) => [.. rows.Select(k => interactions[k])];
            return CtrData.Build(dataset, Part(order[..trainEnd]), Part(order[trainEnd..validEnd]), Part(order[validEnd..]), new CtrOptions());
        }
    }
}
