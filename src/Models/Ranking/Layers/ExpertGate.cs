using RecSys.Models.Data;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// What <see cref="MixtureOfExperts"/> (MMoE, Ma et al. KDD 2018) and <see cref="ProgressiveLayeredExtraction"/>
/// (PLE, Tang et al. RecSys 2020) share: building expert towers and mixing expert outputs by softmax gates.
/// </summary>
internal static class ExpertGate
{
    /// <summary>Σ_e g_e · expert_e: gate logits [B, E] and expert outputs [B, E, H] → [B, H].</summary>
    public static Tensor Mix(Tensor gateLogits, Tensor experts) =>
        nn.functional.softmax(gateLogits, -1).unsqueeze(1).matmul(experts).squeeze(1);

    /// <summary><paramref name="count"/> expert MLPs, each with dropout masks of its own seed.</summary>
    public static Mlp[] Experts(int count, int input, IReadOnlyList<int> hidden, double dropout, DeterministicRandom seeds, string activation) =>
        [.. Enumerable.Range(0, count).Select(_ => new Mlp(input, hidden, dropout, seeds.NextUInt64(), activation))];

    public static void Validate(int input, IReadOnlyList<int> expertHidden, int tasks)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(input);
        ArgumentNullException.ThrowIfNull(expertHidden);
        if (expertHidden.Count == 0)
        {
            throw new ArgumentException("experts need at least one hidden layer", nameof(expertHidden));
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tasks);
    }
}
