using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Seeded initialisation for networks built from these layers: <see cref="TorchInit.Seeded"/>, then the 1-D weights
/// that must not start at zero are put back to PyTorch's defaults. TorchInit gives every 1-D parameter outside a
/// LayerNorm the value 0 (right for biases and for Dice's α), which would make a BatchNorm's gain 0 (the layer then
/// outputs its bias only) and a PReLU's slope 0 (a plain ReLU). Call it once, on the whole model, after
/// <c>RegisterComponents()</c>.
/// </summary>
public static class LayerInit
{
    private const double PReluSlope = 0.25;     // nn.PReLU's default

    public static void Seeded(nn.Module network, DeterministicRandom random)
    {
        TorchInit.Seeded(network, random);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (_, module) in network.named_modules())
        {
            switch (module)
            {
                case BatchNorm1d norm when norm.weight is { } gain:
                    gain.fill_(1.0.Held());
                    break;
                case PReLU prelu:
                    prelu.weight.fill_(PReluSlope.Held());
                    break;
            }
        }
    }
}
