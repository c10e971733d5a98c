using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Ranking.Layers;
using TorchSharp;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

public class MultiTaskLayerTests
{
    [Fact]
    public void Mmoe_gives_one_output_per_task_and_gates_that_sum_to_one()
    {
        using var scope = NewDisposeScope();
        using var mmoe = new MixtureOfExperts(input: 6, experts: 3, tasks: 2, expertHidden: [8, 4], dropout: 0.1, seed: 1);
        TorchInit.Seeded(mmoe, new DeterministicRandom(1));
        var x = Normal(1, 5, 6);

        var outputs = mmoe.forward(x);
        var gates = mmoe.Gates(x);

        Assert.Equal(2, mmoe.Tasks);
        Assert.Equal(2, outputs.Length);
        Assert.All(outputs, o => Assert.Equal(new long[] { 5, 4 }, o.shape));
        Assert.Equal(new long[] { 5, 2, 3 }, gates.shape);
        Assert.All(Values(gates.sum(-1)), s => Close(1, s));
        Assert.All(Values(gates), g => Assert.True(g > 0));
        Assert.False(outputs[0].allclose(outputs[1]), "tasks with different gates should differ");
    }

    [Fact]
    public void Mmoe_output_is_the_gate_weighted_sum_of_expert_outputs()
    {
        using var scope = NewDisposeScope();
        using var mmoe = new MixtureOfExperts(4, 2, 1, [3], 0, 1);
        TorchInit.Seeded(mmoe, new DeterministicRandom(2));
        var x = Normal(3, 2, 4);

        var output = mmoe.forward(x)[0];
        var gates = mmoe.Gates(x).select(1, 0);                                     // [B, E]
        var experts = mmoe.named_children().Single(c => c.name == "experts").module.children()
            .Select(e => ((Mlp)e).forward(x)).ToArray();
        var expected = experts[0] * gates[.., 0..1] + experts[1] * gates[.., 1..2];

        Close(Values(expected).Select(v => (double)v).ToArray(), Values(output));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Ple_gives_one_output_per_task_at_every_depth(int levels)
    {
        using var scope = NewDisposeScope();
        using var ple = new ProgressiveLayeredExtraction(input: 6, tasks: 3, levels, taskExperts: 2, sharedExperts: 1, expertHidden: [8, 4], dropout: 0.1, seed: 1);
        TorchInit.Seeded(ple, new DeterministicRandom(1));

        var outputs = ple.forward(Normal(1, 5, 6));

        Assert.Equal(3, ple.Tasks);
        Assert.Equal(3, outputs.Length);
        Assert.All(outputs, o => Assert.Equal(new long[] { 5, 4 }, o.shape));
        Assert.All(outputs, o => Assert.True(o.isfinite().all().item<bool>()));
        var names = ple.named_parameters().Select(p => p.name).ToHashSet();
        // A shared gate over all 3·2 + 1 experts feeds the next level; the last level has none.
        for (var n = 0; n < levels; n++)
        {
            Assert.Equal(n < levels - 1, names.Contains($"levels.{n}.shared_gate.weight"));
        }
        Assert.Equal(new long[] { 3, 6 }, Parameter(ple, "levels.0.task_gates.2.weight").shape);   // 2 own + 1 shared
        if (levels > 1)
        {
            Assert.Equal(new long[] { 7, 6 }, Parameter(ple, "levels.0.shared_gate.weight").shape);
            Assert.Equal(new long[] { 8, 4 }, Parameter(ple, "levels.1.task_experts.0.linears.0.weight").shape);
        }
    }
}
