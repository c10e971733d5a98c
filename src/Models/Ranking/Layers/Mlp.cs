using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// The feed-forward tower of deep CTR models (the "deep" part of Wide &amp; Deep, Cheng et al. 2016; DeepFM, Guo et
/// al. 2017; DIN, Zhou et al. 2018): each hidden layer is Linear → (BatchNorm1d) → activation → dropout, laid out
/// as DeepCTR-Torch's DNN. No output layer: models add their own head.
/// <para>
/// Input [..., input], output [..., <see cref="OutputSize"/>]: leading dimensions are flattened for the batch norm
/// and Dice statistics (each row is one sample) and restored afterwards. With no hidden sizes the MLP is the
/// identity. Initialise the model with <see cref="Torch.TorchInit.Seeded"/> (batch-norm gains 1, PReLU slopes 0.25).
/// </para>
/// </summary>
public sealed class Mlp : nn.Module<Tensor, Tensor>
{
    private static readonly string[] Activations = ["relu", "dice", "prelu", "sigmoid", "none"];

    private readonly ModuleList<Linear> linears;
    private readonly ModuleList<BatchNorm1d> batch_norms;
    private readonly ModuleList<nn.Module<Tensor, Tensor>> activations;
    private readonly SeededDropout dropout;
    private readonly int _input;

    /// <param name="input">(int) size of the last input dimension.</param>
    /// <param name="hidden">(ints) hidden layer sizes, in order.</param>
    /// <param name="dropout">(double) dropout rate after each hidden layer, in [0, 1).</param>
    /// <param name="seed">(ulong) seed of the dropout masks.</param>
    /// <param name="activation">relu, dice, prelu (one shared slope, as nn.PReLU), sigmoid or none.</param>
    /// <param name="batchNorm">(bool) batch norm between each linear layer and its activation.</param>
    public Mlp(int input, IReadOnlyList<int> hidden, double dropout, ulong seed, string activation = "relu", bool batchNorm = false)
        : base("mlp")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input);
        ArgumentNullException.ThrowIfNull(hidden);
        if (hidden.Any(h => h <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(hidden), "hidden sizes must be positive");
        }
        if (!Activations.Contains(activation))
        {
            throw new ArgumentException($"unknown activation '{activation}'; expected {string.Join(", ", Activations)}", nameof(activation));
        }
        var sizes = hidden.Prepend(input).ToArray();
        linears = nn.ModuleList(Enumerable.Range(0, hidden.Count).Select(l => nn.Linear(sizes[l], sizes[l + 1])).ToArray());
        batch_norms = nn.ModuleList(batchNorm ? hidden.Select(h => nn.BatchNorm1d(h)).ToArray() : []);
        activations = nn.ModuleList(hidden.Select(h => Activation(activation, h)).ToArray());
        this.dropout = new SeededDropout(dropout, seed);
        _input = input;
        OutputSize = hidden.Count > 0 ? hidden[^1] : input;
        RegisterComponents();
    }

    /// <summary>Size of the last output dimension: the last hidden size, or the input size with no hidden layer.</summary>
    public int OutputSize { get; }

    /// <param name="x">[..., input]</param>
    /// <returns>[..., OutputSize]</returns>
    public override Tensor forward(Tensor x)
    {
        if (linears.Count == 0)
        {
            return x;
        }
        var shape = x.shape;
        var h = Layers(linears[0].forward(x.reshape(-1, _input)), 0);             // [N, input] → [N, OutputSize]
        shape[^1] = OutputSize;
        return h.reshape(shape);
    }

    /// <summary>
    /// The first hidden layer's linear map, for a caller that computes its output in a cheaper algebraic form and
    /// continues with <see cref="ForwardFromFirstLinear"/> (DIN's attention unit at serving time).
    /// </summary>
    internal Linear FirstLinear => linears.Count > 0 ? linears[0] : throw new InvalidOperationException("the MLP has no hidden layer");

    /// <summary>The rest of the forward pass given the first linear layer's output [N, hidden[0]] → [N, OutputSize].</summary>
    internal Tensor ForwardFromFirstLinear(Tensor firstLinear) => Layers(firstLinear, 0);

    /// <summary>Layer <paramref name="layer"/> onwards, starting from that layer's linear output.</summary>
    private Tensor Layers(Tensor linear, int layer)
    {
        var h = linear;
        for (var l = layer; l < linears.Count; l++)
        {
            if (l > layer)
            {
                h = linears[l].forward(h);
            }
            if (batch_norms.Count > 0)
            {
                h = batch_norms[l].HeldForward(h);
            }
            h = dropout.forward(activations[l].forward(h));
        }
        return h;
    }

    private static nn.Module<Tensor, Tensor> Activation(string name, int size) => name switch
    {
        "relu" => nn.ReLU(),
        "dice" => new Dice(size),
        "prelu" => nn.PReLU(1, 0.25),
        "sigmoid" => nn.Sigmoid(),
        _ => nn.Identity(),
    };
}
