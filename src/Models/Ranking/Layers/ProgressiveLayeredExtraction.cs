using RecSys.Models.Data;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking.Layers;

/// <summary>
/// Progressive Layered Extraction (Tang et al., "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning
/// (MTL) Model for Personalized Recommendations", RecSys 2020): <c>levels</c> extraction layers (CGC), each with
/// experts of every task and shared experts. Task k's gate mixes its own experts and the shared ones; in every
/// level but the last a shared gate mixes all experts into the next level's shared input. Level 1 reads the input
/// everywhere; level n reads level n−1's per-task and shared outputs. Input [B, input] → one [B, H] per task.
/// With one level it is the paper's CGC.
/// </summary>
public sealed class ProgressiveLayeredExtraction : nn.Module<Tensor, Tensor[]>
{
    private readonly ModuleList<ExtractionLayer> levels;
    private readonly int _tasks;

    /// <param name="input">(int) width of the shared input.</param>
    /// <param name="tasks">(int) number of tasks.</param>
    /// <param name="levels">(int) extraction layers.</param>
    /// <param name="taskExperts">(int) experts of each task, per level.</param>
    /// <param name="sharedExperts">(int) shared experts, per level.</param>
    /// <param name="expertHidden">(ints) every expert's MLP sizes; the last is H, the input of the next level.</param>
    /// <param name="dropout">(double) dropout in the experts.</param>
    /// <param name="seed">(ulong) seed of the experts' dropout masks.</param>
    /// <param name="activation">the experts' activation (see <see cref="Mlp"/>).</param>
    public ProgressiveLayeredExtraction(int input, int tasks, int levels, int taskExperts, int sharedExperts, IReadOnlyList<int> expertHidden, double dropout, ulong seed, string activation = "relu")
        : base("ple")
    {
        ExpertGate.Validate(input, expertHidden, tasks);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(levels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(taskExperts);
        ArgumentOutOfRangeException.ThrowIfNegative(sharedExperts);
        var seeds = new DeterministicRandom(seed);
        this.levels = nn.ModuleList(Enumerable.Range(0, levels)
            .Select(n => new ExtractionLayer(n == 0 ? input : expertHidden[^1], tasks, taskExperts, sharedExperts, expertHidden, dropout, seeds, activation, last: n == levels - 1))
            .ToArray());
        _tasks = tasks;
        OutputSize = expertHidden[^1];
        RegisterComponents();
    }

    /// <summary>H, the width of each task's output.</summary>
    public int OutputSize { get; }

    public int Tasks => _tasks;

    /// <param name="x">[B, input]</param>
    /// <returns>one [B, H] per task</returns>
    public override Tensor[] forward(Tensor x)
    {
        var inputs = Enumerable.Repeat(x, _tasks + 1).ToArray();                    // per task, then shared
        foreach (var level in levels)
        {
            inputs = level.forward(inputs);
        }
        return inputs;
    }

    /// <summary>One CGC level; field names are checkpoint keys.</summary>
    private sealed class ExtractionLayer : nn.Module<Tensor[], Tensor[]>
    {
        private readonly ModuleList<Mlp> task_experts;                              // task t's expert e at t·E + e
        private readonly ModuleList<Mlp> shared_experts;
        private readonly ModuleList<Linear> task_gates;
        private readonly Linear? shared_gate;                                       // none in the last level
        private readonly int _tasks;
        private readonly int _perTask;

        public ExtractionLayer(int input, int tasks, int perTask, int shared, IReadOnlyList<int> hidden, double dropout, DeterministicRandom seeds, string activation, bool last)
            : base("extraction")
        {
            task_experts = nn.ModuleList(ExpertGate.Experts(tasks * perTask, input, hidden, dropout, seeds, activation));
            shared_experts = nn.ModuleList(ExpertGate.Experts(shared, input, hidden, dropout, seeds, activation));
            task_gates = nn.ModuleList(Enumerable.Range(0, tasks).Select(_ => nn.Linear(input, perTask + shared, hasBias: false)).ToArray());
            shared_gate = last ? null : nn.Linear(input, tasks * perTask + shared, hasBias: false);
            (_tasks, _perTask) = (tasks, perTask);
            RegisterComponents();
        }

        /// <param name="inputs">tasks + 1 tensors [B, input]: each task's, then the shared one</param>
        /// <returns>each task's [B, H], then (except in the last level) the shared one</returns>
        public override Tensor[] forward(Tensor[] inputs)
        {
            var shared = shared_experts.Select(e => e.forward(inputs[_tasks])).ToArray();
            var outputs = new List<Tensor>(_tasks + 1);
            var all = new List<Tensor>(_tasks * _perTask + shared.Length);
            for (var t = 0; t < _tasks; t++)
            {
                var own = Enumerable.Range(t * _perTask, _perTask).Select(e => task_experts[e].forward(inputs[t])).ToArray();
                all.AddRange(own);
                outputs.Add(ExpertGate.Mix(task_gates[t].forward(inputs[t]), stack(own.Concat(shared), 1)));   // [B, H]
            }
            if (shared_gate is not null)
            {
                all.AddRange(shared);
                outputs.Add(ExpertGate.Mix(shared_gate.forward(inputs[_tasks]), stack(all, 1)));
            }
            return [.. outputs];
        }
    }
}
