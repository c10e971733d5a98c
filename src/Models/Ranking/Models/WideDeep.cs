using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="WideDeep"/>.</summary>
public sealed record WideDeepOptions : RankerOptions
{
    public WideDeepOptions()
    {
        Dropout = 0.1;
    }

    [Option("hidden", "(comma-separated ints) deep tower sizes over the flattened embeddings and dense features")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: false, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// Wide &amp; Deep (Cheng et al., "Wide &amp; Deep Learning for Recommender Systems", DLRS 2016): logit_t = wide_t +
/// deep_t. The wide part is the first-order model of <see cref="LogisticRegression"/> (one weight per id and task,
/// dense weights, bias; no hand-made cross features, as RecBole and DeepCTR), the deep part a ReLU MLP over the
/// flattened field embeddings and dense features with a linear output per task. Both are trained jointly.
/// </summary>
public sealed class WideDeep(WideDeepOptions? options = null) : RankingModel<WideDeepOptions>(options ?? new WideDeepOptions())
{
    public override string Name => "widedeep";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder wide;
        private readonly FeatureEmbeddings embeddings;
        private readonly Mlp deep;
        private readonly Linear head;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors, WideDeepOptions options, DeterministicRandom random)
            : base("widedeep")
        {
            var tasks = factors.Map.Tasks.Count;
            weights = firstOrder;
            wide = new LogisticRegression.FirstOrder(firstOrder.DenseCount, tasks);
            embeddings = factors;
            deep = new Mlp(factors.FlatSize, RankerParts.Sizes(options.Hidden), options.Dropout, random.NextUInt64());
            head = nn.Linear(deep.OutputSize, tasks);
            RegisterComponents();
            RankerParts.Seed(random, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var linear = wide.forward(weights.forward(batch));                       // [B, T]
            var deepLogits = head.forward(deep.forward(embeddings.forward(batch).Flat())); // [B, T]
            return linear.Plus(deepLogits);
        }
    }
}
