using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="FiBiNet"/>.</summary>
public sealed record FiBiNetOptions : RankerOptions
{
    private static readonly string[] Types = ["all", "each", "interaction"];

    public FiBiNetOptions()
    {
        Dropout = 0.1;
    }

    [Option("reduction_ratio", "(int) SENet bottleneck: fields / reduction_ratio units")]
    public int ReductionRatio { get; init; } = 3;

    [Option("bilinear_type", "(all|each|interaction) one W for all pairs, one per left field, or one per pair")]
    public string BilinearType { get; init; } = "interaction";

    [Option("hidden", "(comma-separated ints) DNN sizes over both bilinear outputs and the dense features")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (ReductionRatio is < 1 or > 1000) yield return "reduction_ratio must be from 1 to 1000";
        if (!Types.Contains(BilinearType)) yield return $"bilinear_type must be one of {string.Join(", ", Types)}; got '{BilinearType}'";
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: false, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// FiBiNET (Huang et al., "FiBiNET: Combining Feature Importance and Bilinear feature Interaction for
/// Click-Through Rate Prediction", RecSys 2019): a SENet layer learns a weight per field and reweights the
/// embeddings; a bilinear interaction layer (one layer, as DeepCTR-Torch) turns both the original and the reweighted
/// embeddings into pairwise vectors; both are concatenated with the dense features into a ReLU DNN with a linear
/// output per task, added to <see cref="LogisticRegression"/>'s first-order part. Needs at least two fields.
/// </summary>
public sealed class FiBiNet(FiBiNetOptions? options = null) : RankingModel<FiBiNetOptions>(options ?? new FiBiNetOptions())
{
    public override string Name => "fibinet";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder linear;
        private readonly FeatureEmbeddings embeddings;
        private readonly SeNetLayer senet;
        private readonly BilinearInteraction bilinear;
        private readonly Mlp deep;
        private readonly Linear head;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors, FiBiNetOptions options, DeterministicRandom random)
            : base("fibinet")
        {
            if (factors.FieldCount < 2)
            {
                throw new RecommenderConfigurationException($"fibinet needs at least two fields for its pairs; the feature map has {factors.FieldCount}");
            }
            var tasks = factors.Map.Tasks.Count;
            weights = firstOrder;
            linear = new LogisticRegression.FirstOrder(firstOrder.DenseCount, tasks);
            embeddings = factors;
            senet = new SeNetLayer(factors.FieldCount, options.ReductionRatio);
            bilinear = new BilinearInteraction(factors.FieldCount, factors.Dimension, options.BilinearType);
            deep = new Mlp(2 * bilinear.Pairs * factors.Dimension + factors.DenseCount, RankerParts.Sizes(options.Hidden), options.Dropout, random.NextUInt64());
            head = nn.Linear(deep.OutputSize, tasks);
            RegisterComponents();
            RankerParts.Seed(random, senet, bilinear, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var embedded = embeddings.forward(batch);
            var fields = embedded.Fields;                                             // [B, F, D]
            var plain = bilinear.forward(fields).flatten(1);                          // [B, P·D]
            var reweighted = bilinear.forward(senet.forward(fields)).flatten(1);      // [B, P·D]
            var input = cat([plain, reweighted, embedded.Dense], 1);                  // [B, 2·P·D + Dn]
            return linear.forward(weights.forward(batch)).Plus(head.forward(deep.forward(input))); // [B, T]
        }
    }
}
