using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Ranking.Layers;
using TorchSharp;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

public class TargetAttentionTests
{
    private const int B = 3, L = 4, D = 5;

    // Row 0: full history; row 1: two real items then padding; row 2: no history at all.
    private static Tensor Mask() => tensor(new[] { true, true, true, true, true, true, false, false, false, false, false, false }, [B, L]);

    private static TargetAttention Create(bool normalize, string activation = "dice")
    {
        var attention = new TargetAttention(D, [8, 4], seed: 1, activation, normalize);
        TorchInit.Seeded(attention, new DeterministicRandom(2));
        return attention;
    }

    [Theory]
    [InlineData(false, "dice")]
    [InlineData(true, "relu")]
    public void Pools_the_history_into_one_vector_per_row(bool normalize, string activation)
    {
        using var scope = NewDisposeScope();
        using var attention = Create(normalize, activation);

        Assert.Equal(new long[] { B, D }, attention.forward(Normal(1, B, D), Normal(2, B, L, D), Mask()).shape);
    }

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(true, false)]
    public void Masked_positions_do_not_change_the_output_and_an_empty_history_gives_zeros(bool normalize, bool training)
    {
        using var scope = NewDisposeScope();
        using var attention = Create(normalize);
        attention.train(training);
        var query = Normal(1, B, D);
        var keys = Normal(2, B, L, D);
        var mask = Mask();
        // Other values wherever the mask is false; the real items stay as they are.
        var altered = keys.where(mask.unsqueeze(-1), Normal(3, B, L, D) * 100f.ToTensor());

        var output = Values(attention.forward(query, keys, mask));
        var again = Values(attention.forward(query, altered, mask));
        var weights = Values(attention.Weights(query, keys, mask));

        Assert.Equal(output, again);
        Assert.All(output, v => Assert.True(float.IsFinite(v)));
        Assert.All(output[(2 * D)..], v => Assert.Equal(0f, v));                    // row 2 has no history
        Assert.Equal([0f, 0f], weights[(L + 2)..(2 * L)]);                           // row 1's padding
        Assert.Contains(output[..D], v => v != 0);
        if (normalize)
        {
            Close(1, weights[..L].Sum());
            Close(1, weights[L..(2 * L)].Sum());
        }
    }

    [Theory]
    [InlineData(true, "dice")]
    [InlineData(false, "dice")]
    [InlineData(true, "relu")]
    public void The_serving_form_of_the_unit_gives_the_paper_forms_weights(bool normalize, string activation)
    {
        using var scope = NewDisposeScope();
        using var attention = Create(normalize, activation);
        for (ulong batch = 0; batch < 3; batch++)
        {
            // Training passes move Dice's running statistics away from (0, 1), so the folded form has work to do.
            attention.forward(Normal(10 + batch, B, D) * 2f.Held(), Normal(20 + batch, B, L, D) + 1f.Held(), Mask());
        }
        attention.eval();
        var query = Normal(1, B, D);
        var keys = Normal(2, B, L, D);

        var paper = Values(attention.Weights(query, keys, Mask()));                 // eval with autograd: [q, k, q − k, q ⊙ k]
        float[] serving;
        using (no_grad())
        {
            serving = Values(attention.Weights(query, keys, Mask()));               // eval without autograd: the folded form
        }

        Close([.. paper.Select(v => (double)v)], serving, 1e-5);
        Assert.Contains(paper, v => v != 0 && v != 1);
    }

    [Fact]
    public void Normalised_weights_give_finite_gradients_with_an_empty_history()
    {
        using var scope = NewDisposeScope();
        using var attention = Create(normalize: true);

        attention.forward(Normal(1, B, D), Normal(2, B, L, D), Mask()).sum().backward();

        Assert.All(attention.parameters(), p => Assert.True(p.grad is null || p.grad.isfinite().all().item<bool>()));
        Assert.Contains(attention.parameters(), p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
    }

    [Fact]
    public void A_batch_without_any_history_gives_zeros()
    {
        using var scope = NewDisposeScope();
        using var attention = Create(normalize: false);

        var output = attention.forward(Normal(1, 2, D), Normal(2, 2, L, D), zeros(2, L, dtype: ScalarType.Bool));

        Assert.All(Values(output), v => Assert.Equal(0f, v));
    }
}
