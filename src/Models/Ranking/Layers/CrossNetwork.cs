using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>The cross layer of <see cref="CrossNetwork"/>.</summary>
public enum CrossNetworkKind
{
    /// <summary>DCN (v1): x_{l+1} = x_0 · (x_lᵀ w_l) + b_l + x_l, one weight vector per layer.</summary>
    Vector,

    /// <summary>DCN-V2: x_{l+1} = x_0 ⊙ (W_l x_l + b_l) + x_l, a full d × d matrix per layer.</summary>
    Matrix,
}

/// <summary>
/// The cross network of DCN (Wang et al., "Deep &amp; Cross Network for Ad Click Predictions", ADKDD 2017) and of
/// DCN-V2 (Wang et al., "DCN V2: Improved Deep &amp; Cross Network and Practical Lessons for Web-scale Learning to
/// Rank Systems", WWW 2021): each layer crosses the input x_0 with the previous layer's output, so layer l holds
/// feature interactions up to degree l + 1, and adds the residual x_l. Input [B, d] → [B, d]. For the low-rank
/// mixture of DCN-V2 see <see cref="CrossNetworkMix"/>.
/// </summary>
public sealed class CrossNetwork : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Linear> kernels;
    private readonly ParameterList biases;

    /// <param name="inputSize">(int) d, the width of the (concatenated) input.</param>
    /// <param name="layers">(int) number of cross layers.</param>
    /// <param name="kind">vector (DCN) or matrix (DCN-V2) layers.</param>
    public CrossNetwork(int inputSize, int layers, CrossNetworkKind kind = CrossNetworkKind.Matrix)
        : base("cross_network")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        // Vector: w_l as a bias-free Linear(d, 1) gives x_lᵀ w_l, and b_l is a separate d-vector.
        // Matrix: Linear(d, d) is exactly W_l x_l + b_l.
        kernels = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(_ => kind == CrossNetworkKind.Vector ? nn.Linear(inputSize, 1, hasBias: false) : nn.Linear(inputSize, inputSize))
            .ToArray());
        biases = nn.ParameterList(kind == CrossNetworkKind.Vector
            ? Enumerable.Range(0, layers).Select(_ => nn.Parameter(zeros(inputSize))).ToArray()
            : []);
        Kind = kind;
        RegisterComponents();
    }

    public CrossNetworkKind Kind { get; }

    /// <param name="x0">[B, d]</param>
    /// <returns>[B, d]</returns>
    public override Tensor forward(Tensor x0)
    {
        var x = x0;
        for (var l = 0; l < kernels.Count; l++)
        {
            x = Kind == CrossNetworkKind.Vector
                ? (x0 * kernels[l].forward(x)).Plus(biases[l]).Plus(x)              // [B, d] · [B, 1]
                : (x0 * kernels[l].forward(x)).Plus(x);                             // [B, d] ⊙ [B, d]
        }
        return x;
    }
}
