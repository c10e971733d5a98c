using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// DCN-V2's mixture of low-rank cross experts (Wang et al., "DCN V2: Improved Deep &amp; Cross Network and Practical
/// Lessons for Web-scale Learning to Rank Systems", WWW 2021, eq. 4 and its reference code):
/// x_{l+1} = Σ_i G_i(x_l) · E_i(x_l) + x_l with E_i(x_l) = x_0 ⊙ (U_i tanh(C_i tanh(V_iᵀ x_l)) + b_l) and
/// G = softmax over the experts of a linear gate on x_l. Each expert costs O(d·r) instead of O(d²).
/// Input [B, d] → [B, d].
/// </summary>
public sealed class CrossNetworkMix : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<MixLayer> layers;

    /// <param name="inputSize">(int) d, the width of the (concatenated) input.</param>
    /// <param name="layers">(int) number of cross layers.</param>
    /// <param name="experts">(int) K, low-rank experts per layer.</param>
    /// <param name="rank">(int) r, the rank of each expert (the paper uses d/4).</param>
    public CrossNetworkMix(int inputSize, int layers, int experts = 4, int rank = 32)
        : base("cross_network_mix")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(experts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rank);
        this.layers = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new MixLayer(inputSize, experts, rank)).ToArray());
        RegisterComponents();
    }

    /// <param name="x0">[B, d]</param>
    /// <returns>[B, d]</returns>
    public override Tensor forward(Tensor x0)
    {
        var x = x0;
        foreach (var layer in layers)
        {
            x = layer.forward(x0, x);
        }
        return x;
    }

    /// <summary>One mixture layer; field names are checkpoint keys.</summary>
    private sealed class MixLayer : nn.Module<Tensor, Tensor, Tensor>
    {
        // Stored [K, fan-in, fan-out] so that TorchInit's bound 1/√shape[1] is 1/√fan-in for each of them.
        private readonly Parameter v;                                               // [K, d, r]
        private readonly Parameter c;                                               // [K, r, r]
        private readonly Parameter u;                                               // [K, r, d]
        private readonly Parameter bias;                                            // [d]
        private readonly Linear gate;                                               // d → K, as K Linear(d, 1)

        public MixLayer(int d, int experts, int rank)
            : base("mix_layer")
        {
            v = nn.Parameter(empty(experts, d, rank));
            c = nn.Parameter(empty(experts, rank, rank));
            u = nn.Parameter(empty(experts, rank, d));
            bias = nn.Parameter(zeros(d));
            gate = nn.Linear(d, experts, hasBias: false);
            RegisterComponents();
            using var noGrad = no_grad();
            foreach (var weight in new[] { v, c, u })
            {
                // Until the model's seeded init runs: PyTorch's Linear default, U(±1/√fan-in).
                var bound = 1.0 / Math.Sqrt(weight.shape[1]);
                weight.uniform_(-bound, bound);
            }
        }

        /// <param name="x0">[B, d]</param>
        /// <param name="x">[B, d], the previous layer's output</param>
        /// <returns>[B, d]</returns>
        public override Tensor forward(Tensor x0, Tensor x)
        {
            var low = einsum("bd,kdr->bkr", x, v).tanh();                           // [B, K, r]
            low = einsum("bkr,krs->bks", low, c).tanh();                            // [B, K, r]
            var expert = x0.unsqueeze(1) * einsum("bkr,krd->bkd", low, u).Plus(bias); // [B, K, d]
            var weights = nn.functional.softmax(gate.forward(x), -1);               // [B, K]
            return weights.unsqueeze(1).matmul(expert).squeeze(1).Plus(x);          // [B, d]
        }
    }
}
