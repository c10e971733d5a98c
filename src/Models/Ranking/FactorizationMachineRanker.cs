using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="FactorizationMachineRanker"/>.</summary>
public sealed record FactorizationMachineOptions : RankerOptions;

/// <summary>
/// Factorization machine (Rendle, "Factorization Machines", ICDM 2010) over the field stack: logit_t = first-order
/// terms (as <see cref="LogisticRegression"/>) + Σ_{i&lt;j} ⟨v_i, v_j⟩, the pairwise term computed in O(F·D) as
/// ½ Σ_d ((Σ_f v_fd)² − Σ_f v_fd²). The interaction is shared by all tasks. The computation is written here for now;
/// the shared FM layer replaces it once it exists.
/// </summary>
public sealed class FactorizationMachineRanker(FactorizationMachineOptions? options = null) : RankingModel<FactorizationMachineOptions>(options ?? new FactorizationMachineOptions())
{
    public override string Name => "fm";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random), random);

    /// <summary>Fields [B, F, D] → Σ_{i&lt;j} ⟨v_i, v_j⟩ as [B, 1].</summary>
    internal static Tensor Interaction(Tensor fields)
    {
        var sum = fields.sum(1);                        // [B, D]
        var sumOfSquares = (fields * fields).sum(1);    // [B, D]
        return (sum * sum - sumOfSquares).sum(1, keepdim: true).mul(0.5.Held()); // [B, 1]
    }

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder linear;
        private readonly FeatureEmbeddings embeddings;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors, DeterministicRandom random)
            : base("fm")
        {
            weights = firstOrder;
            linear = new LogisticRegression.FirstOrder(firstOrder.DenseCount, firstOrder.Map.Tasks.Count, random);
            embeddings = factors;
            RegisterComponents();
        }

        public override Tensor forward(CtrBatch batch)
        {
            var first = linear.forward(weights.forward(batch));           // [B, T]
            var second = Interaction(embeddings.forward(batch).Fields);  // [B, 1]
            return first + second;                                        // [B, T]
        }
    }
}
