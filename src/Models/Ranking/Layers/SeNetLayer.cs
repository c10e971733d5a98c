using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Squeeze-and-excitation over fields from FiBiNET (Huang et al., "FiBiNET: Combining Feature Importance and
/// Bilinear feature Interaction for Click-Through Rate Prediction", RecSys 2019): squeeze each field embedding to
/// its mean over D, excite with FC (F → F/r) → ReLU → FC (F/r → F) → ReLU (the paper uses ReLU on both, so weights
/// are ≥ 0 and unbounded, unlike SENet's sigmoid), and reweight each field by its weight.
/// Input [B, F, D] → [B, F, D].
/// </summary>
public sealed class SeNetLayer : nn.Module<Tensor, Tensor>
{
    private readonly Linear reduce;
    private readonly Linear expand;

    /// <param name="fields">(int) F.</param>
    /// <param name="reductionRatio">(int) r; the bottleneck has max(1, F / r) units.</param>
    public SeNetLayer(int fields, int reductionRatio = 3)
        : base("senet")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fields);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reductionRatio);
        var bottleneck = Math.Max(1, fields / reductionRatio);
        // No biases, as the paper's W_1, W_2 (and DeepCTR-Torch).
        reduce = nn.Linear(fields, bottleneck, hasBias: false);
        expand = nn.Linear(bottleneck, fields, hasBias: false);
        RegisterComponents();
    }

    /// <summary>The field weights A [B, F] for field embeddings [B, F, D].</summary>
    public Tensor Weights(Tensor fields)
    {
        var squeezed = fields.mean([-1]);                                           // [B, F]
        return nn.functional.relu(expand.forward(nn.functional.relu(reduce.forward(squeezed))));
    }

    /// <param name="fields">[B, F, D]</param>
    /// <returns>[B, F, D]</returns>
    public override Tensor forward(Tensor fields) => fields * Weights(fields).unsqueeze(-1);
}
