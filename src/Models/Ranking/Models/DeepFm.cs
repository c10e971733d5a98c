using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="DeepFm"/>.</summary>
public sealed record DeepFmOptions : RankerOptions
{
    public DeepFmOptions()
    {
        Dropout = 0.1;
    }

    [Option("hidden", "(comma-separated ints) DNN sizes over the flattened embeddings and dense features")]
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
/// DeepFM (Guo et al., "DeepFM: A Factorization-Machine based Neural Network for CTR Prediction", IJCAI 2017):
/// logit_t = first-order_t + FM(v) + DNN_t(v), where the FM pairwise term and the ReLU DNN read the same field
/// embeddings v (no pre-training, unlike FNN). The first-order part is <see cref="LogisticRegression"/>'s; the FM
/// term is shared by all tasks, the DNN has a linear output per task.
/// </summary>
public sealed class DeepFm(DeepFmOptions? options = null) : RankingModel<DeepFmOptions>(options ?? new DeepFmOptions())
{
    public override string Name => "deepfm";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder linear;
        private readonly FeatureEmbeddings embeddings;
        private readonly FactorizationMachine fm;
        private readonly Mlp deep;
        private readonly Linear head;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors, DeepFmOptions options, DeterministicRandom random)
            : base("deepfm")
        {
            var tasks = factors.Map.Tasks.Count;
            weights = firstOrder;
            linear = new LogisticRegression.FirstOrder(firstOrder.DenseCount, tasks);
            embeddings = factors;
            fm = new FactorizationMachine();
            deep = new Mlp(factors.FlatSize, RankerParts.Sizes(options.Hidden), options.Dropout, random.NextUInt64());
            head = nn.Linear(deep.OutputSize, tasks);
            RegisterComponents();
            RankerParts.Seed(random, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var embedded = embeddings.forward(batch);
            var first = linear.forward(weights.forward(batch));                      // [B, T]
            var second = fm.forward(embedded.Fields);                                 // [B, 1], broadcast over tasks
            var deepLogits = head.forward(deep.forward(embedded.Flat()));             // [B, T]
            return first.Plus(second).Plus(deepLogits);
        }
    }
}
