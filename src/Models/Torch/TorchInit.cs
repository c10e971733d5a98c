using RecSys.Models.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Torch;

/// <summary>
/// Initialises a network's parameters from our seeded generator rather than torch's process-wide one (which any
/// other code may reseed), with the usual scale per layer: Xavier-normal embeddings, uniform ±1/√fan-in for linear
/// and recurrent weights, zero biases, unit layer-norm and batch-norm gains, PReLU slopes at PyTorch's 0.25 (a
/// zero gain would make a batch norm output its bias only, a zero slope would make PReLU a ReLU).
/// </summary>
public static class TorchInit
{
    public static void Seeded(nn.Module network, DeterministicRandom random)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // named_modules() lists the submodules only: without the network itself, a bare layer (a ranker's Linear head)
        // or a layer's own parameters (a bilinear weight) kept libtorch's init from torch's process-wide generator.
        foreach (var module in network.named_modules().Select(m => m.module).Prepend(network))
        {
            foreach (var (name, parameter) in module.named_parameters(recurse: false))
            {
                var shape = parameter.shape;
                switch (module)
                {
                    case Embedding:
                        Fill(parameter, () => Math.Sqrt(2.0 / (shape[0] + shape[1])) * random.NextGaussian());
                        break;
                    case LayerNorm or BatchNorm1d:
                        Fill(parameter, () => name == "weight" ? 1.0 : 0.0);
                        break;
                    case PReLU:
                        Fill(parameter, () => 0.25);
                        break;
                    case GRU or LSTM or RNN:
                        var hiddenBound = 1.0 / Math.Sqrt(shape[0] / (module is GRU ? 3.0 : module is LSTM ? 4.0 : 1.0));
                        Fill(parameter, () => (2 * random.NextDouble() - 1) * hiddenBound);
                        break;
                    default:
                        var bound = shape.Length >= 2 ? 1.0 / Math.Sqrt(shape[1]) : 0.0;
                        Fill(parameter, () => (2 * random.NextDouble() - 1) * bound);
                        break;
                }
            }
        }
    }

    /// <summary>Fills <paramref name="parameter"/> with N(0, std²) draws from <paramref name="random"/>.</summary>
    public static void Normal(Tensor parameter, DeterministicRandom random, double std)
    {
        using var noGrad = no_grad();
        Fill(parameter, () => std * random.NextGaussian());
    }

    private static void Fill(Tensor parameter, Func<double> next)
    {
        var values = new float[parameter.numel()];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)next();
        }
        using var source = tensor(values, parameter.shape);
        parameter.copy_(source);
    }
}
