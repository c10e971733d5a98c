using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Bilinear feature interaction of FiBiNET (Huang et al., "FiBiNET: Combining Feature Importance and Bilinear
/// feature Interaction for Click-Through Rate Prediction", RecSys 2019): p_ij = (v_i · W) ⊙ v_j for every field
/// pair i &lt; j, with W shared by all pairs ("all"), one W_i per left field ("each") or one W_ij per pair
/// ("interaction"). Input [B, F, D], output [B, F(F−1)/2, D], pairs in the order (0,1), (0,2), …, (F−2, F−1).
/// </summary>
public sealed class BilinearInteraction : nn.Module<Tensor, Tensor>
{
    private static readonly string[] Types = ["all", "each", "interaction"];

    // [1 | F−1 | P, D, D]: "each" needs no W for the last field, which is never on the left of a pair.
    private readonly Parameter weight;
    private readonly long[] _left;
    private readonly long[] _right;
    private readonly long[] _matrix;                                                // pair → index into weight

    /// <param name="fields">(int) F, at least 2.</param>
    /// <param name="embeddingSize">(int) D.</param>
    /// <param name="type">all, each or interaction.</param>
    public BilinearInteraction(int fields, int embeddingSize, string type = "interaction")
        : base("bilinear")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(fields, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        if (!Types.Contains(type))
        {
            throw new ArgumentException($"unknown bilinear type '{type}'; expected {string.Join(", ", Types)}", nameof(type));
        }
        var pairs = (from i in Enumerable.Range(0, fields) from j in Enumerable.Range(i + 1, fields - i - 1) select (i, j)).ToArray();
        _left = [.. pairs.Select(p => (long)p.i)];
        _right = [.. pairs.Select(p => (long)p.j)];
        _matrix = type switch
        {
            "all" => new long[pairs.Length],
            "each" => _left,
            _ => [.. Enumerable.Range(0, pairs.Length).Select(p => (long)p)],
        };
        var matrices = type switch { "all" => 1, "each" => fields - 1, _ => pairs.Length };
        weight = nn.Parameter(empty(matrices, embeddingSize, embeddingSize));
        Type = type;
        RegisterComponents();
        using var noGrad = no_grad();
        var bound = 1.0 / Math.Sqrt(embeddingSize);                                 // until the model's seeded init
        weight.uniform_(-bound, bound);
    }

    public string Type { get; }

    /// <summary>F(F−1)/2, the number of output vectors.</summary>
    public int Pairs => _left.Length;

    /// <param name="fields">[B, F, D]</param>
    /// <returns>[B, F(F−1)/2, D]</returns>
    public override Tensor forward(Tensor fields)
    {
        var device = fields.device;
        var left = fields.index_select(1, tensor(_left, device: device));           // [B, P, D]
        var right = fields.index_select(1, tensor(_right, device: device));         // [B, P, D]
        var projected = Type == "all"
            ? left.matmul(weight[0])                                                // [B, P, D]
            : einsum("bpd,pde->bpe", left, weight.index_select(0, tensor(_matrix, device: device)));
        return projected * right;
    }
}
