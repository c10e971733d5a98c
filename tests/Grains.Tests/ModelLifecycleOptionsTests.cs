using RecSys.Grains.Serving;

namespace RecSys.Grains.Tests;

/// <summary>--train and its settings: a subset of the default models trains with the defaults' settings ignored.</summary>
public sealed class ModelLifecycleOptionsTests
{
    [Theory]
    [InlineData("gru4rec")]
    [InlineData("sasrec,din")]
    [InlineData("none")]
    public void A_subset_of_models_is_valid_with_the_default_settings(string train)
    {
        var options = new ModelLifecycleOptions { Train = train };

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Settings_of_a_model_that_does_not_exist_are_an_error()
    {
        var options = new ModelLifecycleOptions { Train = "gru4rec", TrainSettings = "gru4rc.epochs=3" };

        Assert.Contains(options.Validate(), p => p.Contains("'gru4rc'", StringComparison.Ordinal));
    }

    [Fact]
    public void Training_a_model_that_does_not_exist_is_an_error()
    {
        var options = new ModelLifecycleOptions { Train = "gru4rec,nosuch" };

        Assert.Contains(options.Validate(), p => p.Contains("'nosuch'", StringComparison.Ordinal));
    }
}
