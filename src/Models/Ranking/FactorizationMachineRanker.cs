using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="FactorizationMachineRanker"/>.</summary>
public sealed record FactorizationMachineOptions : RankerOptions;

/// <summary>
/// Factorization machine (Rendle, "Factorization Machines", ICDM 2010) over the field stack: logit_t = first-order
/// terms (as <see cref="LogisticRegression"/>) + Σ_{i&lt;j} ⟨v_i, v_j⟩, the pairwise term computed in O(F·D) as
/// ½ Σ_d ((Σ_f v_fd)² − Σ_f v_fd²) by the shared <see cref="FactorizationMachine"/> layer. The interaction is shared
/// by all tasks.
/// </summary>
public sealed class FactorizationMachineRanker(FactorizationMachineOptions? options = null) : RankingModel<FactorizationMachineOptions>(options ?? new FactorizationMachineOptions())
{
    public override string Name => "fm";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random));

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder linear;
        private readonly FeatureEmbeddings embeddings;
        private readonly FactorizationMachine pairs;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors)
            : base("fm")
        {
            weights = firstOrder;
            linear = new LogisticRegression.FirstOrder(firstOrder.DenseCount, firstOrder.Map.Tasks.Count);
            embeddings = factors;
            pairs = new FactorizationMachine();
            RegisterComponents();
        }

        public override Tensor forward(CtrBatch batch)
        {
            var first = linear.forward(weights.forward(batch));           // [B, T]
            var second = pairs.forward(embeddings.forward(batch).Fields);  // [B, 1]
            return first.Plus(second);                                    // [B, T]
        }
    }
}
