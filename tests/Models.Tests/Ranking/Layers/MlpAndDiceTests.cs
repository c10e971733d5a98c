using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Torch;
using TorchSharp;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

public class MlpAndDiceTests
{
    [Theory]
    [InlineData("relu", false)]
    [InlineData("relu", true)]
    [InlineData("dice", false)]
    [InlineData("dice", true)]
    [InlineData("prelu", false)]
    [InlineData("sigmoid", true)]
    [InlineData("none", false)]
    public void Mlp_maps_the_last_dimension_to_the_last_hidden_size(string activation, bool batchNorm)
    {
        using var scope = NewDisposeScope();
        using var mlp = new Mlp(6, [8, 4], dropout: 0.2, seed: 1, activation, batchNorm);
        TorchInit.Seeded(mlp, new DeterministicRandom(1));

        Assert.Equal(4, mlp.OutputSize);
        Assert.Equal(new long[] { 5, 4 }, mlp.forward(Normal(2, 5, 6)).shape);
        Assert.Equal(new long[] { 2, 3, 4 }, mlp.forward(Normal(3, 2, 3, 6)).shape);
        mlp.eval();
        using var noGrad = no_grad();
        Assert.True(mlp.forward(Normal(4, 5, 6)).isfinite().all().item<bool>());
    }

    [Fact]
    public void Mlp_without_hidden_layers_is_the_identity_and_rejects_unknown_activations()
    {
        using var scope = NewDisposeScope();
        using var mlp = new Mlp(3, [], 0, 1);
        var x = Normal(1, 2, 3);

        Assert.Equal(3, mlp.OutputSize);
        Assert.Equal(Values(x), Values(mlp.forward(x)));
        Assert.Throws<ArgumentException>(() => new Mlp(3, [2], 0, 1, "tanh"));
    }

    [Fact]
    public void Mlp_checkpoint_keys_and_layer_init_keep_batch_norm_gains_and_prelu_slopes()
    {
        using var scope = NewDisposeScope();
        using var bn = new Mlp(4, [3, 2], 0, 1, "prelu", batchNorm: true);
        using var dice = new Mlp(4, [3], 0, 1, "dice");
        TorchInit.Seeded(bn, new DeterministicRandom(5));
        TorchInit.Seeded(dice, new DeterministicRandom(5));

        Assert.Equal(
            ["linears.0.weight", "linears.0.bias", "linears.1.weight", "linears.1.bias", "batch_norms.0.weight", "batch_norms.0.bias", "batch_norms.1.weight", "batch_norms.1.bias", "activations.0.weight", "activations.1.weight"],
            bn.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(["linears.0.weight", "linears.0.bias", "activations.0.alpha"], dice.named_parameters().Select(p => p.name).ToArray());
        Assert.All(Values(Parameter(bn, "batch_norms.1.weight")), v => Assert.Equal(1f, v));
        Assert.All(Values(Parameter(bn, "activations.0.weight")), v => Assert.Equal(0.25f, v));
        Assert.All(Values(Parameter(dice, "activations.0.alpha")), v => Assert.Equal(0f, v));
        Assert.Contains(Values(Parameter(bn, "linears.0.weight")), v => v != 0);
    }

    [Fact]
    public void Dice_keeps_the_shape_of_two_and_three_dimensional_inputs()
    {
        using var scope = NewDisposeScope();
        using var dice = new Dice(5);

        Assert.Equal(new long[] { 4, 5 }, dice.forward(Normal(1, 4, 5)).shape);
        Assert.Equal(new long[] { 2, 3, 5 }, dice.forward(Normal(2, 2, 3, 5)).shape);
    }

    [Fact]
    public void Dice_in_eval_mode_uses_the_running_statistics()
    {
        using var scope = NewDisposeScope();
        using var dice = new Dice(3, epsilon: 1e-5);
        Set(dice, "alpha", 0.2f, -0.5f, 1f);
        for (ulong batch = 0; batch < 4; batch++)
        {
            // Shifted and scaled so the running statistics move well away from (0, 1).
            dice.forward(Normal(10 + batch, 8, 3) * 3f.Held() + 2f.Held());
        }
        dice.eval();
        var mean = Values(Buffer(dice, "norm.running_mean"));
        var variance = Values(Buffer(dice, "norm.running_var"));
        Assert.All(mean, m => Assert.True(m > 0.5, $"running mean {m} has not moved"));

        var x = Normal(20, 4, 3);
        float[] output;
        using (no_grad())
        {
            output = Values(dice.forward(x));
        }

        // No no_grad: the training formula with running statistics; under no_grad the folded serving form runs.
        Close([.. Values(dice.forward(x)).Select(v => (double)v)], output, 1e-5);
        var input = Values(x);
        var alpha = new[] { 0.2, -0.5, 1.0 };
        var expected = input.Select((v, i) =>
        {
            var c = i % 3;
            var p = 1 / (1 + Math.Exp(-(v - mean[c]) / Math.Sqrt(variance[c] + 1e-5)));
            return p * v + (1 - p) * alpha[c] * v;
        }).ToArray();
        Close(expected, output);
    }

    [Fact]
    public void Dice_in_training_uses_the_batch_statistics_over_every_position()
    {
        using var scope = NewDisposeScope();
        using var dice = new Dice(2, epsilon: 1e-5);
        Set(dice, "alpha", 0.3f, 0.7f);
        var x = Normal(3, 2, 3, 2);                                                  // [B=2, L=3, H=2]

        var output = Values(dice.forward(x));

        var input = Values(x);
        var expected = new double[input.Length];
        for (var c = 0; c < 2; c++)
        {
            var channel = input.Where((_, i) => i % 2 == c).Select(v => (double)v).ToArray();
            var mean = channel.Average();
            var variance = channel.Average(v => (v - mean) * (v - mean));           // biased, as batch norm
            for (var i = c; i < input.Length; i += 2)
            {
                var p = 1 / (1 + Math.Exp(-(input[i] - mean) / Math.Sqrt(variance + 1e-5)));
                expected[i] = p * input[i] + (1 - p) * (c == 0 ? 0.3 : 0.7) * input[i];
            }
        }
        Close(expected, output);
    }
}
