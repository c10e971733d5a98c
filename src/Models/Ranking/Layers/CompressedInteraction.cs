using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Compressed Interaction Network of xDeepFM (Lian et al., "xDeepFM: Combining Explicit and Implicit Feature
/// Interactions for Recommender Systems", KDD 2018): feature maps X^k [B, H_k, D] with
/// X^k_h = Σ_i Σ_j W^{k,h}_{ij} (X^{k−1}_i ⊙ X^0_j), i.e. the outer product over fields of X^{k−1} and X^0 followed
/// by a Conv1d with kernel 1 (as the paper's reference code and DeepCTR-Torch), then sum pooling over D.
/// <para>
/// With <c>splitHalf</c> (the paper's implementation) every layer but the last passes half of its maps on to the next
/// layer and sends the other half to the output; otherwise every map does both. Input [B, F, D], output
/// [B, <see cref="OutputSize"/>].
/// </para>
/// </summary>
public sealed class CompressedInteraction : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<Conv1d> convolutions;
    private readonly int[] _sizes;
    private readonly int[] _next;
    private readonly bool _relu;

    /// <param name="fields">(int) F, the number of field embeddings.</param>
    /// <param name="layerSizes">(ints) H_k, feature maps per layer (e.g. 128,128); even except the last with splitHalf.</param>
    /// <param name="splitHalf">(bool) pass half of each non-last layer on and output the other half.</param>
    /// <param name="activation">identity (the paper's formula) or relu (DeepCTR-Torch's default).</param>
    public CompressedInteraction(int fields, IReadOnlyList<int> layerSizes, bool splitHalf = true, string activation = "identity")
        : base("cin")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentNullException.ThrowIfNull(layerSizes);
        if (layerSizes.Count == 0 || layerSizes.Any(h => h <= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(layerSizes), "at least one layer, every size positive");
        }
        if (splitHalf && layerSizes.Take(layerSizes.Count - 1).Any(h => h % 2 != 0))
        {
            throw new ArgumentException("with splitHalf every layer size but the last must be even", nameof(layerSizes));
        }
        if (activation is not ("identity" or "relu"))
        {
            throw new ArgumentException($"unknown activation '{activation}'; expected identity or relu", nameof(activation));
        }
        _sizes = [.. layerSizes];
        // _next[k]: maps layer k passes on; _next[-1] is the input's F (kept at index 0, layers shifted by one).
        _next = new int[_sizes.Length + 1];
        _next[0] = fields;
        var convs = new Conv1d[_sizes.Length];
        for (var k = 0; k < _sizes.Length; k++)
        {
            convs[k] = nn.Conv1d(_next[k] * fields, _sizes[k], 1);
            _next[k + 1] = splitHalf ? _sizes[k] / 2 : _sizes[k];
        }
        convolutions = nn.ModuleList(convs);
        _relu = activation == "relu";
        SplitHalf = splitHalf;
        OutputSize = splitHalf ? _sizes[..^1].Sum(h => h / 2) + _sizes[^1] : _sizes.Sum();
        RegisterComponents();
    }

    public bool SplitHalf { get; }

    /// <summary>Width of the output: the sum of the (halved, with splitHalf) layer sizes.</summary>
    public int OutputSize { get; }

    /// <param name="x0">[B, F, D]</param>
    /// <returns>[B, OutputSize]</returns>
    public override Tensor forward(Tensor x0)
    {
        var (b, f, d) = (x0.shape[0], x0.shape[1], x0.shape[2]);
        var hidden = x0;
        var outputs = new List<Tensor>(_sizes.Length);
        for (var k = 0; k < _sizes.Length; k++)
        {
            var outer = einsum("bhd,bmd->bhmd", hidden, x0).reshape(b, hidden.shape[1] * f, d);  // [B, H_{k−1}·F, D]
            var maps = convolutions[k].forward(outer);                                          // [B, H_k, D]
            if (_relu)
            {
                maps = nn.functional.relu(maps);
            }
            if (SplitHalf && k < _sizes.Length - 1)
            {
                var half = _sizes[k] / 2;
                hidden = maps.narrow(1, 0, half);
                outputs.Add(maps.narrow(1, half, half));
            }
            else
            {
                hidden = maps;
                outputs.Add(maps);
            }
        }
        return cat(outputs, 1).sum(-1);                                                          // [B, OutputSize]
    }
}
