using System.Globalization;
using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="NcfRecommender"/>.</summary>
public sealed record NcfOptions : NeuralOptions
{
    public NcfOptions()
    {
        Epochs = 20;
        BatchSize = 256;
        LearningRate = 1e-3;
        Patience = 3;
    }

    [Option("factors", "(int) GMF embedding size")]
    public int Factors { get; init; } = 32;

    [Option("layers", "(comma-separated ints) MLP sizes: the first is the concatenated user+item embedding (each half of it), then one ReLU layer per further size")]
    public string Layers { get; init; } = "64,32,16";

    [Option("negatives", "(int) unobserved items sampled uniformly per observed pair, afresh each epoch")]
    public int Negatives { get; init; } = 4;

    [Option("dropout", "(double) dropout after each MLP layer")]
    public double Dropout { get; init; }

    /// <summary>The parsed <see cref="Layers"/>; empty when they do not parse.</summary>
    public int[] LayerSizes =>
        Layers.Split(',', StringSplitOptions.TrimEntries).Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToArray() is var sizes && sizes.All(n => n > 0)
            ? sizes
            : [];

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Factors is < 1 or > 4096) yield return "factors must be from 1 to 4096";
        if (LayerSizes is not { Length: >= 1 and <= 10 } sizes || sizes.Any(n => n > 4096) || sizes[0] % 2 != 0)
        {
            yield return "layers must be 1 to 10 comma-separated sizes from 1 to 4096, the first even (e.g. 64,32,16)";
        }
        if (Negatives is < 1 or > 1000) yield return "negatives must be from 1 to 1000";
        if (Dropout is < 0 or >= 1) yield return "dropout must be in [0, 1)";
    }
}

/// <summary>
/// NeuMF (He et al., "Neural Collaborative Filtering", WWW 2017), without pre-training: a GMF part (elementwise
/// product of user and item embeddings of size <c>factors</c>) and an MLP part (user and item embeddings of half
/// the first <c>layers</c> size, concatenated, then ReLU layers), concatenated into one linear output giving the
/// logit of an interaction. Trained with binary cross-entropy on every observed (user, item) pair and
/// <c>negatives</c> uniformly sampled unobserved items per pair, re-sampled every epoch.
/// <para>
/// NeuMF is not a dot-product model. <see cref="ItemVectors"/> are the GMF item embeddings multiplied
/// elementwise by the GMF part of the output weights, so the GMF user embedding · an item vector is exactly the
/// GMF contribution to the logit: an ANN index over them retrieves by that part alone, an approximation that
/// the full model (with its MLP) should re-rank.
/// </para>
/// </summary>
public sealed class NcfRecommender(NcfOptions? options = null) : NeuralRecommender<NcfOptions>(options ?? new NcfOptions())
{
    /// <summary>Above this many user × item scores, scoring runs the network per call instead of precomputing.</summary>
    internal const long DefaultPrecomputeLimit = 50_000_000;

    private readonly Lock _scoring = new();
    private NcfNetwork? _network;
    private float[] _scores = [];
    private int _itemCount;
    private float[] _items = [];

    public override string Name => "ncf";

    /// <summary>How many user × item scores <see cref="PrepareScoring"/> may precompute (tests lower it).</summary>
    internal long PrecomputeLimit { get; set; } = DefaultPrecomputeLimit;

    /// <summary>GMF item embeddings ⊙ the GMF output weights (see the class remarks: an approximation for ANN).</summary>
    public override float[] ItemVectors => _items;

    public override int VectorSize => Options.Factors;

    public override void Score(int user, Span<float> scores)
    {
        if (_scores.Length > 0)
        {
            _scores.AsSpan(user * _itemCount, _itemCount).CopyTo(scores);
            return;
        }
        // Too many users × items to keep: one forward pass per call. The evaluator scores users in parallel,
        // and one network's modules are not meant for concurrent use, so calls take turns.
        lock (_scoring)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            _network!.ScoreUsers(tensor(new long[] { user }, device: Device), _itemCount).cpu().data<float>().CopyTo(scores);
        }
    }

    /// <summary>
    /// The user's GMF embedding (the history is not used; the user must be known): the ANN query against
    /// <see cref="ItemVectors"/>. Its dot products give the GMF part of the logit only; <see cref="Score"/> gives NeuMF's.
    /// </summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1)
    {
        if (user < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, "ncf has an embedding per trained user only; new users need a history-based model");
        }
        return UserVector(user);
    }

    /// <summary>The user's GMF embedding: the ANN query against <see cref="ItemVectors"/>.</summary>
    public float[] UserVector(int user)
    {
        var network = _network ?? throw new InvalidOperationException("ncf is not trained");
        lock (_scoring)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return network.GmfUser(user);
        }
    }

    /// <summary>The logit without its GMF part: MLP tower, its output weights and the output bias.</summary>
    internal float MlpLogit(int user, int item)
    {
        var network = _network ?? throw new InvalidOperationException("ncf is not trained");
        lock (_scoring)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return network.MlpLogit(tensor(new long[] { user }, device: Device), tensor(new long[] { item }, device: Device));
        }
    }

    protected override nn.Module CreateNetwork(TrainingData data, DeterministicRandom random)
    {
        _network = new NcfNetwork(data.UserCount, data.ItemCount, Options.Factors, Options.LayerSizes, Options.Dropout, random);
        return _network;
    }

    protected override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        var matrix = data.Matrix;
        var perPair = 1 + Options.Negatives;
        var users = new int[matrix.NonZeros * perPair];
        var items = new int[users.Length];
        var n = 0;
        for (var u = 0; u < matrix.UserCount; u++)
        {
            foreach (var i in matrix.ItemsOf(u))
            {
                users[n] = u;
                items[n++] = i;                                                      // positive: label 1
                for (var k = 0; k < Options.Negatives; k++)
                {
                    users[n] = u;
                    items[n++] = ~SampleNegative(matrix, u, random);                   // negative: stored complemented
                }
            }
        }
        var order = Enumerable.Range(0, users.Length).ToArray();
        random.Shuffle(order);
        for (var start = 0; start < order.Length; start += Options.BatchSize)
        {
            var size = Math.Min(Options.BatchSize, order.Length - start);
            var batch = new LabelledBatch(new long[size], new long[size], new float[size]);
            for (var b = 0; b < size; b++)
            {
                var e = order[start + b];
                batch.Users[b] = users[e];
                batch.Items[b] = items[e] >= 0 ? items[e] : ~items[e];
                batch.Labels[b] = items[e] >= 0 ? 1 : 0;
            }
            yield return batch;
        }
    }

    protected override Tensor Loss(object batch)
    {
        var b = (LabelledBatch)batch;
        var logits = _network!.forward(tensor(b.Users, device: Device), tensor(b.Items, device: Device));
        return nn.functional.binary_cross_entropy_with_logits(logits, tensor(b.Labels, device: Device));
    }

    /// <summary>
    /// Precomputes every user's scores in chunks when users × items is at most <see cref="PrecomputeLimit"/>
    /// (about 200 MB of floats): Score is then a lock-free copy, safe from the evaluator's parallel threads, and
    /// the whole matrix costs one batched pass. Larger data scores per call instead (see <see cref="Score"/>).
    /// NeuMF scores come from the user's embeddings, so the histories are not needed.
    /// </summary>
    protected override void PrepareScoring(UserSequences histories, TrainingData data)
    {
        var network = _network!;
        _itemCount = data.ItemCount;
        _items = network.GmfItemVectors();
        var total = (long)data.UserCount * data.ItemCount;
        if (total > PrecomputeLimit)
        {
            _scores = [];
            return;
        }
        var scores = new float[total];
        var chunk = Math.Max(1, (1 << 17) / Math.Max(1, data.ItemCount));      // ~128K (user, item) pairs per pass
        for (var start = 0; start < data.UserCount; start += chunk)
        {
            using var scope = NewDisposeScope();
            var size = Math.Min(chunk, data.UserCount - start);
            // Indices from an array, not arange: arange's bounds are implicit Scalars (see HeldScalar).
            var users = tensor(Enumerable.Range(start, size).Select(u => (long)u).ToArray(), device: Device);
            network.ScoreUsers(users, data.ItemCount).cpu().data<float>()
                .CopyTo(scores.AsSpan(start * data.ItemCount, size * data.ItemCount));
        }
        _scores = scores;
    }

    private static int SampleNegative(UserItemMatrix train, int user, DeterministicRandom random)
    {
        // Rejection sampling: the matrix is sparse, so a uniformly drawn item is almost always unobserved.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var j = random.Next(train.ItemCount);
            if (!train.Contains(user, j))
            {
                return j;
            }
        }
        return random.Next(train.ItemCount);
    }

    private sealed record LabelledBatch(long[] Users, long[] Items, float[] Labels);

    /// <summary>The network; field names are checkpoint keys.</summary>
    private sealed class NcfNetwork : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Embedding user_gmf;
        private readonly Embedding item_gmf;
        private readonly Embedding user_mlp;
        private readonly Embedding item_mlp;
        private readonly ModuleList<Linear> mlp;
        private readonly SeededDropout dropout;
        private readonly Linear output;
        private readonly int _factors;

        public NcfNetwork(int users, int items, int factors, int[] layers, double dropoutRate, DeterministicRandom random)
            : base("ncf")
        {
            user_gmf = nn.Embedding(users, factors);
            item_gmf = nn.Embedding(items, factors);
            user_mlp = nn.Embedding(users, layers[0] / 2);
            item_mlp = nn.Embedding(items, layers[0] / 2);
            mlp = nn.ModuleList(Enumerable.Range(1, layers.Length - 1).Select(l => nn.Linear(layers[l - 1], layers[l])).ToArray());
            dropout = new SeededDropout(dropoutRate, random.NextUInt64());
            output = nn.Linear(factors + layers[^1], 1);
            _factors = factors;
            RegisterComponents();
            TorchInit.Seeded(this, random);
        }

        /// <summary>Logits of (users[n], items[n]) pairs: [N].</summary>
        public override Tensor forward(Tensor users, Tensor items) =>
            Logit(user_gmf.forward(users), item_gmf.forward(items), user_mlp.forward(users), item_mlp.forward(items));

        /// <summary>Logits of the given users against every item: [U, I], flattened row-major by the caller.</summary>
        public Tensor ScoreUsers(Tensor users, int itemCount)
        {
            var (u, i) = (users.shape[0], (long)itemCount);
            Tensor Users(Embedding e) => e.forward(users).unsqueeze(1).expand(u, i, -1);                  // [U, I, d]
            Tensor Items(Embedding e) => e.weight!.unsqueeze(0).expand(u, i, -1);                          // [U, I, d]
            return Logit(Users(user_gmf), Items(item_gmf), Users(user_mlp), Items(item_mlp));
        }

        /// <summary>GMF item embeddings scaled by the GMF output weights: [items × factors].</summary>
        public float[] GmfItemVectors() =>
            (item_gmf.weight! * output.weight![0, ..(int)_factors].unsqueeze(0)).cpu().data<float>().ToArray();

        public float[] GmfUser(int user) => user_gmf.weight![user].cpu().data<float>().ToArray();

        public float MlpLogit(Tensor users, Tensor items)
        {
            var gmf = zeros(users.shape[0], _factors, device: users.device);
            return Logit(gmf, gmf, user_mlp.forward(users), item_mlp.forward(items)).cpu().item<float>();
        }

        private Tensor Logit(Tensor userGmf, Tensor itemGmf, Tensor userMlp, Tensor itemMlp)
        {
            var x = cat([userMlp, itemMlp], -1);
            foreach (var layer in mlp)
            {
                x = dropout.forward(nn.functional.relu(layer.forward(x)));
            }
            return output.forward(cat([userGmf * itemGmf, x], -1)).squeeze(-1);
        }
    }
}
