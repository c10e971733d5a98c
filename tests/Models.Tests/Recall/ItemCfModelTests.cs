using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

public class ItemCfModelTests
{
    // u1: A B · u2: A B C · u3: B C · u4: A (and a repeated A that must count once)
    // n_A = 3, n_B = 3, n_C = 2; c_AB = 2, c_AC = 1, c_BC = 2.
    private static InteractionDataset Toy() => TestData.Dataset(
        ("u1", "A"), ("u1", "B"),
        ("u2", "A"), ("u2", "B"), ("u2", "C"),
        ("u3", "B"), ("u3", "C"),
        ("u4", "A"), ("u4", "A"));

    [Fact]
    public void Cosine_similarities_without_shrinkage_match_hand_computation()
    {
        var model = ItemCfModel.Build(Toy(), new ItemCfOptions { Shrinkage = 0 });

        AssertNeighbours(model, "A", ("B", 2 / 3.0), ("C", 1 / Math.Sqrt(6)));
        AssertNeighbours(model, "B", ("C", 2 / Math.Sqrt(6)), ("A", 2 / 3.0));
        AssertNeighbours(model, "C", ("B", 2 / Math.Sqrt(6)), ("A", 1 / Math.Sqrt(6)));
    }

    [Fact]
    public void Shrinkage_discounts_pairs_supported_by_few_users()
    {
        var model = ItemCfModel.Build(Toy(), new ItemCfOptions { Shrinkage = 1 });

        // sim · c / (c + λ): AB 2/3 · 2/3, AC 1/√6 · 1/2, BC 2/√6 · 2/3
        AssertNeighbours(model, "A", ("B", 4 / 9.0), ("C", 0.5 / Math.Sqrt(6)));
        AssertNeighbours(model, "B", ("C", 4 / (3 * Math.Sqrt(6))), ("A", 4 / 9.0));
    }

    [Fact]
    public void Keeps_only_the_top_neighbours()
    {
        var model = ItemCfModel.Build(Toy(), new ItemCfOptions { Shrinkage = 0, Neighbours = 1 });

        AssertNeighbours(model, "A", ("B", 2 / 3.0));
        AssertNeighbours(model, "C", ("B", 2 / Math.Sqrt(6)));
    }

    [Fact]
    public void Recommend_sums_weighted_similarities_and_excludes_items()
    {
        var data = Toy();
        var model = ItemCfModel.Build(data, new ItemCfOptions { Shrinkage = 1 });
        int Index(string id) => data.Items.TryGetIndex(id, out var i) ? i : throw new KeyNotFoundException(id);

        var seen = new HashSet<int> { Index("A"), Index("C") };
        var result = model.Recommend([(Index("A"), 1f), (Index("C"), 2f)], 10, seen.Contains);

        var only = Assert.Single(result);
        Assert.Equal(Index("B"), only.Item);
        Assert.Equal(1 * 4 / 9.0 + 2 * 4 / (3 * Math.Sqrt(6)), only.Score, 5);
    }

    [Fact]
    public void Min_rating_drops_low_ratings_before_counting()
    {
        var data = TestData.Dataset(("u1", "A", 5f), ("u1", "B", 1f), ("u2", "A", 4f), ("u2", "B", 5f));

        var model = ItemCfModel.Build(data, new ItemCfOptions { Shrinkage = 0, MinRating = 4 });

        // Only u2 supports A-B; n_A = 2, n_B = 1: 1/√2.
        AssertNeighbours(model, "A", ("B", 1 / Math.Sqrt(2)));
    }

    [Fact]
    public void Rejects_invalid_options()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ItemCfModel.Build(Toy(), new ItemCfOptions { Neighbours = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ItemCfModel.Build(Toy(), new ItemCfOptions { Shrinkage = -1 }));
    }

    private static void AssertNeighbours(ItemCfModel model, string item, params (string Item, double Score)[] expected)
    {
        Assert.True(model.Items.TryGetIndex(item, out var index));
        var actual = model.Neighbours(index).ToArray();
        Assert.Equal(expected.Select(e => e.Item), actual.Select(a => model.Items[a.Item]));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Score, actual[i].Score, 5);
        }
    }
}
