using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>How DCN-V2 combines its cross network and deep network.</summary>
public enum CrossStructure
{
    /// <summary>The deep network reads the cross network's output (the paper's stacked structure).</summary>
    Stacked,

    /// <summary>Both read x_0 and their outputs are concatenated (the structure of DCN v1).</summary>
    Parallel,
}

/// <summary>Options for <see cref="DcnV2"/>.</summary>
public sealed record DcnV2Options : RankerOptions
{
    public DcnV2Options()
    {
        Dropout = 0.1;
    }

    [Option("cross_layers", "(int) cross layers (layer l models interactions up to degree l + 1)")]
    public int CrossLayers { get; init; } = 3;

    [Option("structure", "(stacked|parallel) deep network after the cross network, or beside it with outputs concatenated")]
    public CrossStructure Structure { get; init; } = CrossStructure.Stacked;

    [Option("mix", "(bool) mixture of low-rank cross experts (DCN-Mix) instead of full d × d matrices")]
    public bool Mix { get; init; }

    [Option("experts", "(int) low-rank experts per cross layer (with mix)")]
    public int Experts { get; init; } = 4;

    [Option("rank", "(int) rank of each expert (with mix)")]
    public int Rank { get; init; } = 32;

    [Option("hidden", "(comma-separated ints) deep network sizes; none = cross network only")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (CrossLayers is < 1 or > 10) yield return "cross_layers must be from 1 to 10";
        if (!Enum.IsDefined(Structure)) yield return "structure must be stacked or parallel";
        if (Experts is < 1 or > 64) yield return "experts must be from 1 to 64";
        if (Rank is < 1 or > 4096) yield return "rank must be from 1 to 4096";
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: true, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// DCN-V2 (Wang et al., "DCN V2: Improved Deep &amp; Cross Network and Practical Lessons for Web-scale Learning to
/// Rank Systems", WWW 2021): cross layers x_{l+1} = x_0 ⊙ (W_l x_l + b_l) + x_l with full matrices over the flattened
/// embeddings and dense features x_0, or (<c>mix</c>) the mixture of low-rank experts the paper calls DCN-Mix; a ReLU
/// deep network either stacked on the cross network or parallel to it; a linear output per task.
/// </summary>
public sealed class DcnV2(DcnV2Options? options = null) : RankingModel<DcnV2Options>(options ?? new DcnV2Options())
{
    public override string Name => "dcnv2";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings embeddings;
        private readonly nn.Module<Tensor, Tensor> cross;
        private readonly Mlp deep;
        private readonly Linear head;
        private readonly bool _deep;
        private readonly bool _stacked;

        public Network(FeatureEmbeddings factors, DcnV2Options options, DeterministicRandom random)
            : base("dcnv2")
        {
            var d = factors.FlatSize;
            var hidden = RankerParts.Sizes(options.Hidden);
            embeddings = factors;
            cross = options.Mix
                ? new CrossNetworkMix(d, options.CrossLayers, options.Experts, options.Rank)
                : new CrossNetwork(d, options.CrossLayers, CrossNetworkKind.Matrix);
            deep = new Mlp(d, hidden, options.Dropout, random.NextUInt64());
            _deep = hidden.Length > 0;
            _stacked = options.Structure == CrossStructure.Stacked;
            var width = !_deep ? d : _stacked ? deep.OutputSize : d + deep.OutputSize;
            head = nn.Linear(width, factors.Map.Tasks.Count);
            RegisterComponents();
            RankerParts.Seed(random, cross, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var x0 = embeddings.forward(batch).Flat();                               // [B, d]
            var crossed = cross.forward(x0);                                          // [B, d]
            var joined = !_deep ? crossed
                : _stacked ? deep.forward(crossed)                                    // [B, H]
                : cat([crossed, deep.forward(x0)], 1);                                // [B, d + H]
            return head.forward(joined);                                              // [B, T]
        }
    }
}
