using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="Dcn"/>.</summary>
public sealed record DcnOptions : RankerOptions
{
    public DcnOptions()
    {
        Dropout = 0.1;
    }

    [Option("cross_layers", "(int) cross layers (layer l models interactions up to degree l + 1)")]
    public int CrossLayers { get; init; } = 3;

    [Option("hidden", "(comma-separated ints) deep network sizes beside the cross network; none = cross network only")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (CrossLayers is < 1 or > 10) yield return "cross_layers must be from 1 to 10";
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: true, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// Deep &amp; Cross Network (Wang et al., "Deep &amp; Cross Network for Ad Click Predictions", ADKDD 2017): the
/// flattened embeddings and dense features x_0 go through a cross network of vector layers
/// (x_{l+1} = x_0 · x_lᵀ w_l + b_l + x_l) and, in parallel, a ReLU deep network; their outputs are concatenated
/// into one linear layer with an output per task.
/// </summary>
public sealed class Dcn(DcnOptions? options = null) : RankingModel<DcnOptions>(options ?? new DcnOptions())
{
    public override string Name => "dcn";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings embeddings;
        private readonly CrossNetwork cross;
        private readonly Mlp deep;
        private readonly Linear head;
        private readonly bool _deep;

        public Network(FeatureEmbeddings factors, DcnOptions options, DeterministicRandom random)
            : base("dcn")
        {
            var hidden = RankerParts.Sizes(options.Hidden);
            embeddings = factors;
            cross = new CrossNetwork(factors.FlatSize, options.CrossLayers, CrossNetworkKind.Vector);
            deep = new Mlp(factors.FlatSize, hidden, options.Dropout, random.NextUInt64());
            _deep = hidden.Length > 0;
            head = nn.Linear(factors.FlatSize + (_deep ? deep.OutputSize : 0), factors.Map.Tasks.Count);
            RegisterComponents();
            RankerParts.Seed(random, cross, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var x0 = embeddings.forward(batch).Flat();                               // [B, d]
            var crossed = cross.forward(x0);                                          // [B, d]
            var joined = _deep ? cat([crossed, deep.forward(x0)], 1) : crossed;       // [B, d + H]
            return head.forward(joined);                                              // [B, T]
        }
    }
}
