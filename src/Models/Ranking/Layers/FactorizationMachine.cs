using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// The pairwise term of a factorization machine (Rendle, "Factorization Machines", ICDM 2010), as used by DeepFM:
/// Σ_{i&lt;j} ⟨v_i, v_j⟩ computed in O(F·D) as ½·Σ_d ((Σ_f v_{f,d})² − Σ_f v_{f,d}²).
/// Input [B, F, D] field embeddings (already scaled by their feature values), output [B, 1]. No parameters:
/// the first-order term and bias belong to the model.
/// </summary>
public sealed class FactorizationMachine : nn.Module<Tensor, Tensor>
{
    public FactorizationMachine()
        : base("fm")
    {
    }

    /// <param name="fields">[B, F, D]</param>
    /// <returns>[B, 1]</returns>
    public override Tensor forward(Tensor fields)
    {
        var sum = fields.sum(1);                                                    // [B, D]
        var sumOfSquares = (fields * fields).sum(1);                                // [B, D]
        return (sum * sum - sumOfSquares).sum(-1, keepdim: true).mul(0.5.Held());   // [B, 1]
    }
}
