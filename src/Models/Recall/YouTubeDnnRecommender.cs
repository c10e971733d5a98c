using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Which of a user's items form the history a YouTube-DNN training example predicts its target from.</summary>
public enum HistoryContext
{
    /// <summary>The items before the target (the paper's "next watch"; for time-ordered tests).</summary>
    Previous,

    /// <summary>Up to max_len of the user's other training items, either side of the target (for random splits).</summary>
    All,
}

/// <summary>Options for <see cref="YouTubeDnnRecommender"/>.</summary>
public sealed record YouTubeDnnOptions : SampledSoftmaxOptions
{
    public YouTubeDnnOptions()
    {
        Epochs = 40;
        BatchSize = 256;
        LearningRate = 1e-3;
        WeightDecay = 1e-6;
        Patience = 6;
        Similarity = TowerSimilarity.Cosine;
        Temperature = 0.1;
        HiddenSize = 256;
        Dropout = 0.3;
    }

    [Option("max_len", "(int) most recent items pooled into the history")]
    public int MaxLength { get; init; } = 300;

    [Option("context", "(previous|all) a training example's history: the items before its target, or the user's other items")]
    public HistoryContext Context { get; init; } = HistoryContext.All;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (MaxLength is < 1 or > 4096) yield return "max_len must be from 1 to 4096";
    }
}

/// <summary>
/// YouTube-DNN candidate generation (Covington et al., "Deep Neural Networks for YouTube Recommendations", RecSys
/// 2016): the mean of the embeddings of the user's last <c>max_len</c> items, concatenated with demographic
/// embeddings (gender, age bucket, occupation), goes through a ReLU layer to the user vector; a separate item table
/// holds the softmax vectors. Trained with <see cref="SampledSoftmax"/> to predict each training item from a
/// history: with <c>context=previous</c> the items before it (the paper's "predicting the next watch", right when
/// the test is the future); by default (<c>context=all</c>) up to <c>max_len</c> of the user's other items, which
/// matches a random hold-out such as the ratio protocol (recall@10 0.2519 against 0.2375 for the best
/// <c>previous</c> run on MovieLens-100K). Vectors are compared by cosine over a temperature of 0.1 (as Yi et al.
/// 2019; plain dot products reached 0.2375). The user vector needs no user id, so new users and every event update
/// it from their history alone; scores are dot products of the (normalised) vectors, so the softmax vectors are
/// what serving indexes for ANN.
/// </summary>
public sealed class YouTubeDnnRecommender(YouTubeDnnOptions? options = null) : SampledSoftmaxRecommender<YouTubeDnnOptions>(options ?? new YouTubeDnnOptions())
{
    private YouTubeDnnNetwork? _network;
    private Tensor? _userFeatures;
    private int _items;

    public override string Name => "youtubednn";

    public override int VectorSize => Options.OutputSize;

    /// <summary>
    /// The user vector after <paramref name="history"/> with the demographics of <paramref name="user"/> (−1: a new
    /// user, demographics unknown).
    /// </summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1) => Encode(history, user);

    /// <summary>The user vector after <paramref name="history"/> for a user with these demographics (−1: unknown).</summary>
    public float[] Encode(IReadOnlyList<int> history, int user)
    {
        var network = _network ?? throw new InvalidOperationException("youtubednn is not trained");
        if (user >= _userFeatures!.shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, $"youtubednn knows {_userFeatures.shape[0]} users; pass -1 for a new one");
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        network.eval();
        var (items, mask) = Histories([history]);
        var features = user >= 0 ? _userFeatures.index_select(0, tensor(new long[] { user })) : zeros(1, 3, dtype: ScalarType.Int64); // 0 = unknown
        return Normalise(network.User(items, mask, features.to(Device))).cpu().data<float>().ToArray();
    }

    protected override nn.Module CreateTowers(TrainingData data, DeterministicRandom random)
    {
        var f = Features;
        _items = data.ItemCount;
        _network = new YouTubeDnnNetwork(data.ItemCount, f, Options, random);
        _userFeatures?.Dispose();
        var users = new long[data.UserCount * 3];
        for (var u = 0; u < data.UserCount; u++)
        {
            (users[u * 3], users[u * 3 + 1], users[u * 3 + 2]) = (f.UserGender[u], f.UserAge[u], f.UserOccupation[u]);
        }
        _userFeatures = tensor(users, [data.UserCount, 3]);
        return _network;
    }

    protected override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        // One example per training item with at least one other item to predict it from: (user, position).
        var first = Options.Context == HistoryContext.Previous ? 1 : 0;
        var examples = new List<(int User, int Position)>();
        for (var u = 0; u < data.UserCount; u++)
        {
            for (var t = data.Sequences[u].Count < 2 ? int.MaxValue : first; t < data.Sequences[u].Count; t++)
            {
                examples.Add((u, t));
            }
        }
        var order = examples.ToArray();
        random.Shuffle(order);
        for (var start = 0; start < order.Length; start += Options.BatchSize)
        {
            var slice = order.AsSpan(start, Math.Min(Options.BatchSize, order.Length - start)).ToArray();
            var histories = slice.Select(e => Options.Context == HistoryContext.Previous
                ? (IReadOnlyList<int>)Last(data.Sequences[e.User], e.Position)
                : Others(data.Sequences[e.User], e.Position, random)).ToArray();
            yield return new HistoryBatch(
                [.. slice.Select(e => (long)e.User)],
                histories,
                [.. slice.Select(e => (long)data.Sequences[e.User][e.Position])],
                Softmax.SampleNegatives(random));
        }
    }

    protected override Tensor Loss(object batch)
    {
        var b = (HistoryBatch)batch;
        var network = _network!;
        var (items, mask) = Histories(b.Histories);
        var users = network.User(items, mask, _userFeatures!.index_select(0, tensor(b.Users)).to(Device));
        var positives = network.ItemVectors(tensor(b.Targets, device: Device));
        var negatives = b.Negatives.Length > 0 ? network.ItemVectors(tensor(b.Negatives, device: Device)) : null;
        return Softmax.Loss(Normalise(users), Normalise(positives), b.Targets, negatives is null ? null : Normalise(negatives), b.Negatives, Options.Temperature);
    }

    protected override Tensor UserVectors(long[] users, UserSequences histories)
    {
        var (items, mask) = Histories([.. users.Select(u => (IReadOnlyList<int>)Last(histories[(int)u], histories[(int)u].Count))]);
        return Normalise(_network!.User(items, mask, _userFeatures!.index_select(0, tensor(users)).to(Device)));
    }

    protected override Tensor ItemVectorsOf(long[] items) => Normalise(_network!.ItemVectors(tensor(items, device: Device)));

    /// <summary>The last max_len items of <paramref name="sequence"/> before position <paramref name="end"/>.</summary>
    private int[] Last(IReadOnlyList<int> sequence, int end)
    {
        var start = Math.Max(0, end - Options.MaxLength);
        var items = new int[end - start];
        for (var k = start; k < end; k++)
        {
            items[k - start] = sequence[k];
        }
        return items;
    }

    /// <summary>Up to max_len of the other items of <paramref name="sequence"/> (a random subset when there are more).</summary>
    private int[] Others(IReadOnlyList<int> sequence, int target, DeterministicRandom random)
    {
        var others = new int[sequence.Count - 1];
        for (int k = 0, n = 0; k < sequence.Count; k++)
        {
            if (k != target)
            {
                others[n++] = sequence[k];
            }
        }
        if (others.Length <= Options.MaxLength)
        {
            return others;
        }
        for (var k = 0; k < Options.MaxLength; k++) // partial Fisher–Yates: the first max_len are a uniform sample
        {
            var pick = k + random.Next(others.Length - k);
            (others[k], others[pick]) = (others[pick], others[k]);
        }
        return others[..Options.MaxLength];
    }

    /// <summary>Histories padded to one length: item ids [B, L] (padding = the extra row) and a mask [B, L].</summary>
    private (Tensor Items, Tensor Mask) Histories(IReadOnlyList<IReadOnlyList<int>> histories)
    {
        var length = Math.Max(1, histories.Max(h => h.Count));
        var items = new long[histories.Count * length];
        var mask = new float[histories.Count * length];
        Array.Fill(items, _items);
        for (var b = 0; b < histories.Count; b++)
        {
            for (var k = 0; k < histories[b].Count; k++)
            {
                items[b * length + k] = histories[b][k];
                mask[b * length + k] = 1;
            }
        }
        return (tensor(items, [histories.Count, length], device: Device), tensor(mask, [histories.Count, length], device: Device));
    }

    private sealed record HistoryBatch(long[] Users, IReadOnlyList<int>[] Histories, long[] Targets, long[] Negatives);

    /// <summary>The network; field names are checkpoint keys.</summary>
    private sealed class YouTubeDnnNetwork : nn.Module
    {
        private readonly Embedding watched;
        private readonly Embedding gender;
        private readonly Embedding age;
        private readonly Embedding occupation;
        private readonly Linear hidden;
        private readonly Linear output;
        private readonly Embedding softmax_items;
        private readonly SeededDropout dropout;

        public YouTubeDnnNetwork(int items, SideFeatures f, YouTubeDnnOptions o, DeterministicRandom random)
            : base("youtubednn")
        {
            var e = o.FeatureEmbeddingSize;
            watched = nn.Embedding(items + 1, o.EmbeddingSize); // the last row pads histories (masked out)
            gender = nn.Embedding(f.GenderVocabulary, e);
            age = nn.Embedding(f.AgeVocabulary, e);
            occupation = nn.Embedding(f.OccupationVocabulary, e);
            hidden = nn.Linear(o.EmbeddingSize + 3 * e, o.HiddenSize);
            output = nn.Linear(o.HiddenSize, o.OutputSize);
            softmax_items = nn.Embedding(items, o.OutputSize);
            dropout = new SeededDropout(o.Dropout, random.NextUInt64());
            RegisterComponents();
            TorchInit.Seeded(this, random);
        }

        /// <summary>History ids [B, L] with mask [B, L] and (gender, age, occupation) ids [B, 3] → user vectors [B, D].</summary>
        public Tensor User(Tensor history, Tensor mask, Tensor features)
        {
            var pooled = (watched.forward(history) * mask.unsqueeze(-1)).sum(1) / mask.sum(1, keepdim: true).clamp_min(1.0.Held());
            var input = cat([
                pooled,
                gender.forward(features.select(1, 0)),
                age.forward(features.select(1, 1)),
                occupation.forward(features.select(1, 2)),
            ], 1);
            return output.forward(dropout.forward(nn.functional.relu(hidden.forward(input))));
        }

        public Tensor ItemVectors(Tensor items) => softmax_items.forward(items);
    }
}
