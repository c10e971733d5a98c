using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="Ple"/>.</summary>
public sealed record PleOptions : RankerOptions
{
    public PleOptions()
    {
        Dropout = 0.1;
    }

    [Option("levels", "(int) extraction levels (1 = CGC)")]
    public int Levels { get; init; } = 2;

    [Option("task_experts", "(int) experts of each task, per level")]
    public int TaskExperts { get; init; } = 1;

    [Option("shared_experts", "(int) shared experts, per level")]
    public int SharedExperts { get; init; } = 1;

    [Option("expert_hidden", "(comma-separated ints) every expert's ReLU MLP sizes; the last is the input of the next level")]
    public string ExpertHidden { get; init; } = "256,128";

    [Option("tower", "(comma-separated ints) every task tower's ReLU MLP sizes before its logit; none = a linear logit")]
    public string Tower { get; init; } = "64";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Levels is < 1 or > 8) yield return "levels must be from 1 to 8";
        if (TaskExperts is < 1 or > 32) yield return "task_experts must be from 1 to 32";
        if (SharedExperts is < 0 or > 32) yield return "shared_experts must be from 0 to 32";
        if (RankerParts.SizesProblem("expert_hidden", ExpertHidden, allowEmpty: false, "256,128") is { } experts) yield return experts;
        if (RankerParts.SizesProblem("tower", Tower, allowEmpty: true, "64") is { } tower) yield return tower;
    }
}

/// <summary>
/// PLE (Tang et al., "Progressive Layered Extraction (PLE): A Novel Multi-Task Learning (MTL) Model for
/// Personalized Recommendations", RecSys 2020): <c>levels</c> customised gate controls, each with experts of every
/// task and shared experts, over the flattened embeddings and dense features, then one tower (a small MLP and a
/// logit) per task; logits [B, T] for the map's tasks.
/// </summary>
public sealed class Ple(PleOptions? options = null) : RankingModel<PleOptions>(options ?? new PleOptions())
{
    public override string Name => "ple";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings embeddings;
        private readonly ProgressiveLayeredExtraction ple;
        private readonly TaskTowers towers;

        public Network(FeatureEmbeddings factors, PleOptions options, DeterministicRandom random)
            : base("ple")
        {
            var tasks = factors.Map.Tasks.Count;
            embeddings = factors;
            ple = new ProgressiveLayeredExtraction(
                factors.FlatSize, tasks, options.Levels, options.TaskExperts, options.SharedExperts, RankerParts.Sizes(options.ExpertHidden), options.Dropout, random.NextUInt64());
            towers = new TaskTowers(ple.OutputSize, tasks, RankerParts.Sizes(options.Tower), options.Dropout, random);
            RegisterComponents();
            RankerParts.Seed(random, ple, towers);
        }

        public override Tensor forward(CtrBatch batch) =>
            towers.forward(ple.forward(embeddings.forward(batch).Flat()));          // [B, T]
    }
}
