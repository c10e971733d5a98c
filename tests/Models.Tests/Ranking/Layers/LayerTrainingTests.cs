using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static RecSys.Models.Tests.Ranking.Layers.LayerTestKit;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Ranking.Layers;

public class LayerTrainingTests
{
    /// <summary>A tiny DeepFM-like regressor: FM over the fields plus an MLP over their concatenation.</summary>
    private sealed class TinyDeepFm : nn.Module<Tensor, Tensor>
    {
        private readonly FactorizationMachine fm;
        private readonly Mlp mlp;
        private readonly Linear head;

        public TinyDeepFm(int fields, int size)
            : base("tiny_deepfm")
        {
            fm = new FactorizationMachine();
            mlp = new Mlp(fields * size, [16, 8], dropout: 0.1, seed: 3, activation: "dice", batchNorm: true);
            head = nn.Linear(mlp.OutputSize, 1);
            RegisterComponents();
        }

        public override Tensor forward(Tensor fields) =>
            fm.forward(fields) + head.forward(mlp.forward(fields.flatten(1)));
    }

    [Fact]
    public void A_few_adam_steps_reduce_the_loss_of_mlp_plus_fm()
    {
        using var scope = NewDisposeScope();
        const int n = 64, f = 4, d = 3;
        using var model = new TinyDeepFm(f, d);
        TorchInit.Seeded(model, new DeterministicRandom(7));
        var x = Normal(1, n, f, d);
        var target = (x.sum(1) * Normal(2, 1, d)).sum(-1, keepdim: true);           // [N, 1], a linear signal
        using var optimizer = new AdamOptimizer(model.parameters(), learningRate: 0.01);

        float Step()
        {
            using var batch = NewDisposeScope();
            optimizer.ZeroGrad();
            var loss = nn.functional.mse_loss(model.forward(x), target);
            loss.backward();
            optimizer.Step();
            return loss.item<float>();
        }

        var first = Step();
        var last = first;
        for (var step = 0; step < 60; step++)
        {
            last = Step();
        }

        Assert.True(float.IsFinite(last));
        Assert.True(last < 0.5 * first, $"loss went from {first} to {last}");
    }
}
