using RecSys.Models.Data;
using RecSys.Models.Ranking.Layers;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>Options for <see cref="XDeepFm"/>.</summary>
public sealed record XDeepFmOptions : RankerOptions
{
    private static readonly string[] Activations = ["identity", "relu"];

    public XDeepFmOptions()
    {
        Dropout = 0.1;
    }

    [Option("cin", "(comma-separated ints) feature maps per CIN layer (even, but for the last, with split_half)")]
    public string Cin { get; init; } = "128,128";

    [Option("split_half", "(bool) each CIN layer but the last sends half its maps to the output and half to the next layer")]
    public bool SplitHalf { get; init; } = true;

    [Option("cin_activation", "(identity|relu) activation of the CIN feature maps (the paper: identity; DeepCTR: relu)")]
    public string CinActivation { get; init; } = "identity";

    [Option("hidden", "(comma-separated ints) DNN sizes over the flattened embeddings and dense features; none = no DNN")]
    public string Hidden { get; init; } = "256,128";

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (RankerParts.SizesProblem("cin", Cin, allowEmpty: false, "128,128") is { } cin)
        {
            yield return cin;
        }
        else if (SplitHalf && RankerParts.Sizes(Cin)[..^1].Any(h => h % 2 != 0))
        {
            yield return $"cin sizes but the last must be even with split_half; got '{Cin}'";
        }
        if (!Activations.Contains(CinActivation)) yield return $"cin_activation must be identity or relu; got '{CinActivation}'";
        if (RankerParts.SizesProblem("hidden", Hidden, allowEmpty: true, "256,128") is { } hidden) yield return hidden;
    }
}

/// <summary>
/// xDeepFM (Lian et al., "xDeepFM: Combining Explicit and Implicit Feature Interactions for Recommender Systems",
/// KDD 2018): logit_t = first-order_t + CIN_t(v) + DNN_t(v). The compressed interaction network models explicit
/// vector-wise interactions of bounded degree over the field embeddings v, the ReLU DNN implicit ones over their
/// concatenation with the dense features; the first-order part is <see cref="LogisticRegression"/>'s.
/// </summary>
public sealed class XDeepFm(XDeepFmOptions? options = null) : RankingModel<XDeepFmOptions>(options ?? new XDeepFmOptions())
{
    public override string Name => "xdeepfm";

    protected override RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random) =>
        new Network(CreateEmbeddings(map, random, dimension: map.Tasks.Count), CreateEmbeddings(map, random), Options, random);

    private sealed class Network : RankingNetwork
    {
        private readonly FeatureEmbeddings weights;
        private readonly LogisticRegression.FirstOrder linear;
        private readonly FeatureEmbeddings embeddings;
        private readonly CompressedInteraction cin;
        private readonly Linear cin_head;
        private readonly Mlp deep;
        private readonly Linear? deep_head;

        public Network(FeatureEmbeddings firstOrder, FeatureEmbeddings factors, XDeepFmOptions options, DeterministicRandom random)
            : base("xdeepfm")
        {
            var tasks = factors.Map.Tasks.Count;
            var hidden = RankerParts.Sizes(options.Hidden);
            weights = firstOrder;
            linear = new LogisticRegression.FirstOrder(firstOrder.DenseCount, tasks);
            embeddings = factors;
            cin = new CompressedInteraction(factors.FieldCount, RankerParts.Sizes(options.Cin), options.SplitHalf, options.CinActivation);
            cin_head = nn.Linear(cin.OutputSize, tasks);
            deep = new Mlp(factors.FlatSize, hidden, options.Dropout, random.NextUInt64());
            deep_head = hidden.Length > 0 ? nn.Linear(deep.OutputSize, tasks) : null;
            RegisterComponents();
            RankerParts.Seed(random, cin, cin_head, deep, deep_head);
        }

        public override Tensor forward(CtrBatch batch)
        {
            var embedded = embeddings.forward(batch);
            var logits = linear.forward(weights.forward(batch))                      // [B, T]
                .Plus(cin_head.forward(cin.forward(embedded.Fields)));                // [B, T]
            return deep_head is null ? logits : logits.Plus(deep_head.forward(deep.forward(embedded.Flat())));
        }
    }
}
