using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="AutoInt"/>.</summary>
public sealed record AutoIntOptions : RankerOptions
{
    public AutoIntOptions()
    {
        Dropout = 0.1;
    }

    [Option("layers", "(int) stacked interacting (multi-head self-attention) layers")]
    public int Layers { get; init; } = 3;

    [Option("heads", "(int) attention heads per layer")]
    public int Heads { get; init; } = 2;

    [Option("attention_size", "(int) size of each head (a layer outputs heads × attention_size per field)")]
    public int AttentionSize { get; init; } = 8;

    [Option("residual", "(bool) residual projection in every interacting layer, as the paper")]
    public bool Residual { get; init; } = true;

    [Option("hidden", "(comma-separated ints) parallel DNN sizes (AutoInt+); none = plain AutoInt")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Layers is < 1 or > 10) yield return "layers must be from 1 to 10";
        if (Heads is < 1 or > 64) yield return "heads must be from 1 to 64";
        if (AttentionSize is < 1 or > 1024) yield return "attention_size must be from 1 to 1024";
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: true, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// AutoInt (Song et al., "AutoInt: Automatic Feature Interaction Learning via Self-Attentive Neural Networks",
/// CIKM 2019): stacked interacting layers (multi-head self-attention over the field embeddings with residual
/// connections) model high-order interactions; the last layer's field vectors are flattened, joined by the dense
/// features and, for AutoInt+ (non-empty <c>hidden</c>), a parallel ReLU DNN's output over the flattened embeddings,
/// into one linear layer with an output per task.
/// </summary>
public sealed class AutoInt(AutoIntOptions? options = null) : RankingModel<AutoIntOptions>(options ?? new AutoIntOptions())
{
    public override string Name => "autoint";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings embeddings;
        private readonly ModuleList<InteractingLayer> interacting;
        private readonly Mlp deep;
        private readonly Linear head;
        private readonly bool _deep;

        public Network(FeatureEmbeddings factors, AutoIntOptions options, DeterministicRandom random)
            : base("autoint")
        {
            var hidden = RankerParts.Sizes(options.Hidden);
            var width = options.Heads * options.AttentionSize;
            embeddings = factors;
            interacting = nn.ModuleList(Enumerable.Range(0, options.Layers)
                .Select(l => new InteractingLayer(l == 0 ? factors.Dimension : width, options.Heads, options.AttentionSize, options.Residual))
                .ToArray());
            deep = new Mlp(factors.FlatSize, hidden, options.Dropout, random.NextUInt64());
            _deep = hidden.Length > 0;
            head = nn.Linear(factors.FieldCount * width + factors.DenseCount + (_deep ? deep.OutputSize : 0), factors.Map.Tasks.Count);
            RegisterComponents();
            RankerParts.Seed(random, interacting, deep, head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var embedded = embeddings.forward(batch);
            var fields = embedded.Fields;                                             // [B, F, D]
            foreach (var layer in interacting)
            {
                fields = layer.forward(fields);                                       // [B, F, heads·d′]
            }
            var parts = new List<Tensor> { fields.flatten(1), embedded.Dense };       // [B, F·heads·d′], [B, Dn]
            if (_deep)
            {
                parts.Add(deep.forward(embedded.Flat()));                             // [B, H]
            }
            return head.forward(cat(parts, 1));                                       // [B, T]
        }
    }
}
