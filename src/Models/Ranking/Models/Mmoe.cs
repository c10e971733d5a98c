using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="Mmoe"/>.</summary>
public sealed record MmoeOptions : RankerOptions
{
    public MmoeOptions()
    {
        Dropout = 0.1;
    }

    [Option("experts", "(int) shared experts")]
    public int Experts { get; init; } = 4;

    [Option("expert_hidden", "(comma-separated ints) every expert's ReLU MLP sizes over the flattened embeddings and dense features")]
    public string ExpertHidden { get; init; } = "256,128";

    [Option("tower", "(comma-separated ints) every task tower's ReLU MLP sizes before its logit; none = a linear logit")]
    public string Tower { get; init; } = "64";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Experts is < 1 or > 64) yield return "experts must be from 1 to 64";
        if (RankerParts.SizesProblem("expert_hidden", ExpertHidden, allowEmpty: false, "256,128") is { } experts) yield return experts;
        if (RankerParts.SizesProblem("tower", Tower, allowEmpty: true, "64") is { } tower) yield return tower;
    }
}

/// <summary>
/// MMoE (Ma et al., "Modeling Task Relationships in Multi-task Learning with Multi-gate Mixture-of-Experts",
/// KDD 2018): shared expert MLPs over the flattened embeddings and dense features, one softmax gate per task mixing
/// them, and one tower (a small MLP and a logit) per task; logits [B, T] for the map's tasks (task 0
/// click/engagement, task 1 like with <see cref="CtrLabelling.ClickAndLike"/>). With one task it is a gated
/// mixture of experts.
/// </summary>
public sealed class Mmoe(MmoeOptions? options = null) : RankingModel<MmoeOptions>(options ?? new MmoeOptions())
{
    public override string Name => "mmoe";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings embeddings;
        private readonly MixtureOfExperts mmoe;
        private readonly TaskTowers towers;

        public Network(FeatureEmbeddings factors, MmoeOptions options, DeterministicRandom random)
            : base("mmoe")
        {
            var tasks = factors.Map.Tasks.Count;
            embeddings = factors;
            mmoe = new MixtureOfExperts(factors.FlatSize, options.Experts, tasks, RankerParts.Sizes(options.ExpertHidden), options.Dropout, random.NextUInt64());
            towers = new TaskTowers(mmoe.OutputSize, tasks, RankerParts.Sizes(options.Tower), options.Dropout, random);
            RegisterComponents();
            RankerParts.Seed(random, mmoe, towers);
        }

        public override Tensor forward(CtrBatch batch) =>
            towers.forward(mmoe.forward(embeddings.forward(batch).Flat()));         // [B, T]
    }
}
