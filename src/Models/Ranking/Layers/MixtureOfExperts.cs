using RecSys.Models.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Multi-gate mixture-of-experts (Ma et al., "Modeling Task Relationships in Multi-task Learning with Multi-gate
/// Mixture-of-Experts", KDD 2018): <c>experts</c> MLPs read the shared input, and each task k mixes their outputs
/// with its own gate g_k(x) = softmax(W_k x). Input [B, input] → one [B, H] per task (H = the experts' last hidden
/// size), for the task towers to read.
/// </summary>
public sealed class MixtureOfExperts : nn.Module<Tensor, Tensor[]>
{
    private readonly ModuleList<Mlp> experts;
    private readonly ModuleList<Linear> gates;

    /// <param name="input">(int) width of the shared input.</param>
    /// <param name="experts">(int) number of experts.</param>
    /// <param name="tasks">(int) number of tasks, one gate each.</param>
    /// <param name="expertHidden">(ints) every expert's MLP sizes; the last is H.</param>
    /// <param name="dropout">(double) dropout in the experts.</param>
    /// <param name="seed">(ulong) seed of the experts' dropout masks.</param>
    /// <param name="activation">the experts' activation (see <see cref="Mlp"/>).</param>
    public MixtureOfExperts(int input, int experts, int tasks, IReadOnlyList<int> expertHidden, double dropout, ulong seed, string activation = "relu")
        : base("mmoe")
    {
        ExpertGate.Validate(input, expertHidden, tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(experts);
        this.experts = nn.ModuleList(ExpertGate.Experts(experts, input, expertHidden, dropout, new DeterministicRandom(seed), activation));
        // Bias-free, as W_gk in the paper.
        gates = nn.ModuleList(Enumerable.Range(0, tasks).Select(_ => nn.Linear(input, experts, hasBias: false)).ToArray());
        OutputSize = expertHidden[^1];
        RegisterComponents();
    }

    /// <summary>H, the width of each task's output.</summary>
    public int OutputSize { get; }

    public int Tasks => gates.Count;

    /// <param name="x">[B, input]</param>
    /// <returns>one [B, H] per task</returns>
    public override Tensor[] forward(Tensor x)
    {
        var outputs = stack(experts.Select(e => e.forward(x)), 1);                  // [B, E, H]
        return [.. gates.Select(g => ExpertGate.Mix(g.forward(x), outputs))];
    }

    /// <summary>Every task's gate weights [B, T, E] (each row sums to 1), for inspection.</summary>
    public Tensor Gates(Tensor x) => stack(gates.Select(g => nn.functional.softmax(g.forward(x), -1)), 1);
}
