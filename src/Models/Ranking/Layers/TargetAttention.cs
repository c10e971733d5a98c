using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// DIN's local activation unit and attention pooling (Zhou et al., "Deep Interest Network for Click-Through Rate
/// Prediction", KDD 2018): the weight of each history item is an MLP (Dice by default) over
/// [q, k, q − k, q ⊙ k] followed by a linear unit, and the output is Σ_l w_l k_l over the real items. As the paper,
/// the weights are not normalised (their sum keeps the intensity of the user's interest); <c>normalize</c> applies
/// a softmax over the real items instead.
/// <para>
/// Query [B, D], keys [B, L, D], mask [B, L] (bool, true = real item) → [B, D]. The MLP runs on the real positions
/// only, so padded positions do not move Dice's batch statistics either: whatever a padded key holds, the output is
/// the same. A row without real items gives a zero vector.
/// </para>
/// </summary>
public sealed class TargetAttention : nn.Module<Tensor, Tensor, Tensor, Tensor>
{
    private readonly Mlp unit;
    private readonly Linear score;
    private readonly bool _normalize;

    /// <param name="embeddingSize">(int) D of query and keys.</param>
    /// <param name="hidden">(ints) attention MLP sizes (the paper's DIN uses 80,40).</param>
    /// <param name="seed">(ulong) seed of the attention MLP's dropout masks.</param>
    /// <param name="activation">attention MLP activation: dice (the paper), relu, prelu, sigmoid or none.</param>
    /// <param name="normalize">(bool) softmax over the real items instead of raw weights.</param>
    /// <param name="dropout">(double) dropout in the attention MLP.</param>
    public TargetAttention(int embeddingSize, IReadOnlyList<int> hidden, ulong seed, string activation = "dice", bool normalize = false, double dropout = 0)
        : base("target_attention")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(embeddingSize);
        unit = new Mlp(4 * embeddingSize, hidden, dropout, seed, activation);
        score = nn.Linear(unit.OutputSize, 1);
        _normalize = normalize;
        RegisterComponents();
    }

    /// <param name="query">[B, D], the candidate item</param>
    /// <param name="keys">[B, L, D], the history</param>
    /// <param name="mask">[B, L] bool, true where the history has a real item</param>
    /// <returns>[B, D]</returns>
    public override Tensor forward(Tensor query, Tensor keys, Tensor mask) =>
        Weights(query, keys, mask).unsqueeze(1).matmul(keys).squeeze(1);

    /// <summary>Attention weight of every position [B, L]: 0 at masked positions.</summary>
    public Tensor Weights(Tensor query, Tensor keys, Tensor mask)
    {
        var (b, l, d) = (keys.shape[0], keys.shape[1], keys.shape[2]);
        var real = mask.reshape(-1).nonzero().squeeze(1);                           // [N] flat indices of real items
        var weights = zeros(b * l, dtype: keys.dtype, device: keys.device);
        if (real.shape[0] > 0)
        {
            var scores = !training && !is_grad_enabled()
                ? ServingScores(query, keys, mask, real)
                : TrainingScores(query, keys, real);
            weights = weights.index_copy(0, real, scores);
        }
        weights = weights.view(b, l);                                               // 0 at masked positions
        if (!_normalize)
        {
            return weights;
        }
        // Softmax over the real items: masked ones get −∞. A row without real items has nothing masked here (all
        // −∞ would give NaN, also in the gradient) and is zeroed by the mask afterwards.
        var blocked = mask.logical_not().logical_and(mask.any(-1, keepdim: true));
        var normalised = nn.functional.softmax(weights.masked_fill(blocked, double.NegativeInfinity.Held()), -1);
        return normalised * mask.to(normalised.dtype);
    }

    /// <summary>The unit's score [N] of each real position: the MLP over [q, k, q − k, q ⊙ k] as the paper writes it.</summary>
    private Tensor TrainingScores(Tensor query, Tensor keys, Tensor real)
    {
        var (b, l, d) = (keys.shape[0], keys.shape[1], keys.shape[2]);
        var q = query.unsqueeze(1).expand(b, l, d);                                 // [B, L, D]
        var features = cat([q, keys, q - keys, q * keys], -1).reshape(b * l, 4 * d); // [B·L, 4D]
        return score.forward(unit.forward(features.index_select(0, real))).squeeze(1);
    }

    /// <summary>
    /// The same scores for serving (eval, no autograd) with half the first layer's work. Writing the first layer's
    /// weight as [W_q, W_k, W_d, W_p] over [q, k, q − k, q ⊙ k], its output is (W_q + W_d)·q + (W_k − W_d)·k +
    /// W_p·(q ⊙ k) + b: the query term is computed once per candidate row instead of once per history position, and
    /// each position multiplies a 2D-wide input [k, q ⊙ k] instead of the 4D-wide concatenation (built for every
    /// padded position too). Equal to <see cref="TrainingScores"/> up to rounding (tested).
    /// </summary>
    private Tensor ServingScores(Tensor query, Tensor keys, Tensor mask, Tensor real)
    {
        var d = keys.shape[2];
        var first = unit.FirstLinear;
        var w = first.weight!;                                                      // [H1, 4D]
        var (wq, wk, wd, wp) = (w.narrow(1, 0, d), w.narrow(1, d, d), w.narrow(1, 2 * d, d), w.narrow(1, 3 * d, d));
        var perRow = first.bias is { } bias
            ? addmm(bias, query, wq.Plus(wd).t(), 1, 1)                                 // [B, H1]
            : query.matmul(wq.Plus(wd).t());
        var rows = mask.nonzero().select(1, 0);                                     // [N] row of each real position, same order as real
        var k = keys.reshape(-1, d).index_select(0, real);                          // [N, D]
        var q = query.index_select(0, rows);                                        // [N, D]
        var h1 = addmm(perRow.index_select(0, rows), cat([k, q * k], 1), cat([wk - wd, wp], 1).t(), 1, 1); // [N, H1]
        return score.forward(unit.ForwardFromFirstLinear(h1)).squeeze(1);
    }
}
