using RecSys.Models.Data;

namespace RecSys.Models.Tests.Data;

public class DatasetSpecTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("synthetic")]
    public void Defaults_to_the_synthetic_dataset(string? text)
    {
        var spec = DatasetSpec.Parse(text);

        Assert.Equal(DatasetSpec.SyntheticKind, spec.Kind);
        Assert.Equal(new SyntheticOptions(), spec.Synthetic);
    }

    [Fact]
    public void Parses_synthetic_options_and_movielens_folders()
    {
        var synthetic = DatasetSpec.Parse("synthetic:users=50, items=30,seed=9");
        var movielens = DatasetSpec.Parse("movielens-100k:../shared/data/ml-100k");

        Assert.Equal((50, 30, 9UL), (synthetic.Synthetic!.Users, synthetic.Synthetic.Items, synthetic.Synthetic.Seed));
        Assert.Equal("synthetic:users=50,items=30,seed=9", synthetic.ToString());
        Assert.Equal(50, synthetic.Load().UserCount);
        Assert.Equal((DatasetSpec.MovieLens100KKind, "../shared/data/ml-100k"), (movielens.Kind, movielens.Path));
    }

    [Theory]
    [InlineData("parquet:/tmp/x", "unknown dataset kind 'parquet'")]
    [InlineData("movielens-100k:", "needs a folder")]
    [InlineData("synthetic:users=lots", "users='lots' is not a positive integer")]
    [InlineData("synthetic:colour=red", "unknown synthetic option 'colour'")]
    [InlineData("synthetic:users", "is not key=value")]
    [InlineData("synthetic:items=3,categories=9", "synthetic options are invalid")]
    public void Rejects_bad_specs_with_a_message_for_people(string text, string expected)
    {
        var error = Assert.Throws<FormatException>(() => DatasetSpec.Parse(text));

        Assert.Contains(expected, error.Message);
    }
}
