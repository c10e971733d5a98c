using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// The task towers of the multi-task rankers (<see cref="Mmoe"/>, <see cref="Ple"/>): one per task over that task's
/// input, a ReLU MLP and a single logit each; the logits joined as [B, T].
/// </summary>
internal sealed class TaskTowers : nn.Module<Tensor[], Tensor>
{
    private readonly ModuleList<Mlp> towers;
    private readonly ModuleList<Linear> logits;

    public TaskTowers(int input, int tasks, IReadOnlyList<int> hidden, double dropout, DeterministicRandom random)
        : base("towers")
    {
        towers = nn.ModuleList(Enumerable.Range(0, tasks).Select(_ => new Mlp(input, hidden, dropout, random.NextUInt64())).ToArray());
        logits = nn.ModuleList(towers.Select(t => nn.Linear(t.OutputSize, 1)).ToArray());
        RegisterComponents();
    }

    /// <param name="inputs">one [B, H] per task</param>
    /// <returns>[B, T]</returns>
    public override Tensor forward(Tensor[] inputs) =>
        cat([.. inputs.Select((x, t) => logits[t].forward(towers[t].forward(x)))], 1);
}
