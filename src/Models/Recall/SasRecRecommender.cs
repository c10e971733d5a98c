using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="SasRecRecommender"/>.</summary>
public sealed record SasRecOptions : NeuralOptions
{
    public SasRecOptions()
    {
        Epochs = 200;
        BatchSize = 128;
        LearningRate = 1e-3;
        Patience = 5;
        EvalEvery = 5;
    }

    [Option("hidden", "(int) model width: item and position embeddings, attention, user vector")]
    public int HiddenSize { get; init; } = 64;

    [Option("layers", "(int) self-attention blocks")]
    public int Layers { get; init; } = 2;

    [Option("heads", "(int) attention heads (must divide hidden)")]
    public int Heads { get; init; } = 2;

    [Option("max_len", "(int) most recent items the model reads")]
    public int MaxLength { get; init; } = 50;

    [Option("dropout", "(double) dropout on embeddings, attention and feed-forward outputs")]
    public double Dropout { get; init; } = 0.2;

    [Option("windows", "(int) training windows per user and epoch: the latest, plus random earlier ones")]
    public int WindowsPerUser { get; init; } = 2;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (HiddenSize is < 1 or > 4096) yield return "hidden must be from 1 to 4096";
        if (Heads < 1 || HiddenSize % Heads != 0) yield return "heads must be at least 1 and divide hidden";
        if (Layers is < 1 or > 48) yield return "layers must be from 1 to 48";
        if (MaxLength is < 2 or > 4096) yield return "max_len must be from 2 to 4096";
        if (Dropout is < 0 or >= 1) yield return "dropout must be in [0, 1)";
        if (WindowsPerUser is < 1 or > 1000) yield return "windows must be from 1 to 1000";
    }
}

/// <summary>
/// SASRec (Kang and McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018): causal self-attention over
/// the user's last <c>max_len</c> items (item + position embeddings, pre-norm blocks); the output at each position
/// scores the next item against the shared item embeddings, trained with softmax cross-entropy over the
/// catalogue. The output at the last position is the user vector.
/// </summary>
public sealed class SasRecRecommender(SasRecOptions? options = null) : NeuralRecommender<SasRecOptions>(options ?? new SasRecOptions())
{
    private const long Ignore = -100;

    private SasRecNetwork? _network;
    private float[] _users = [];
    private float[] _items = [];

    public override string Name => "sasrec";

    /// <summary>The item embeddings scores are taken against.</summary>
    public override float[] ItemVectors => _items;

    public override int VectorSize => Options.HiddenSize;

    public override void Score(int user, Span<float> scores)
    {
        VectorScoring.Dot(VectorScoring.Row(_users, user, Options.HiddenSize), _items, [], scores);
    }

    /// <summary>The user vector after <paramref name="history"/> (the user is not used).</summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1) => Encode(history);

    /// <summary>The user vector after reading <paramref name="items"/> (only the last max_len count).</summary>
    public float[] Encode(IReadOnlyList<int> items)
    {
        var network = _network ?? throw new InvalidOperationException("sasrec is not trained");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return network.Last(tensor(Window(items, items.Count), [1, Options.MaxLength], device: Device)).cpu().data<float>().ToArray();
    }

    protected override nn.Module CreateNetwork(TrainingData data, DeterministicRandom random)
    {
        _network = new SasRecNetwork(data.ItemCount, Options.HiddenSize, Options.Layers, Options.Heads, Options.MaxLength, Options.Dropout, random);
        return _network;
    }

    protected override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        // Windows of max_len + 1 items: inputs are the first max_len, targets the next item at every position.
        var windows = new List<(int User, int End)>();
        for (var u = 0; u < data.UserCount; u++)
        {
            var count = data.Sequences[u].Count;
            if (count < 2)
            {
                continue;
            }
            windows.Add((u, count));
            for (var w = 1; w < Options.WindowsPerUser && count > 2; w++)
            {
                windows.Add((u, 2 + random.Next(count - 1)));
            }
        }
        var order = windows.ToArray();
        random.Shuffle(order);

        var length = Options.MaxLength;
        for (var start = 0; start < order.Length; start += Options.BatchSize)
        {
            var size = Math.Min(Options.BatchSize, order.Length - start);
            var inputs = new long[size * length];
            var targets = new long[size * length];
            Array.Fill(targets, Ignore);
            for (var b = 0; b < size; b++)
            {
                var (user, end) = order[start + b];
                var sequence = data.Sequences[user];
                // Positions right-aligned: the last input is sequence[end - 2], its target sequence[end - 1].
                for (var k = 1; k <= length && end - 1 - k >= 0; k++)
                {
                    inputs[b * length + length - k] = sequence[end - 1 - k] + 1;    // 0 is padding
                    targets[b * length + length - k] = sequence[end - k];
                }
            }
            // Only positions with a target reach the output layer: short sequences (sessions) are mostly padding, and
            // the logits over the catalogue are the cost of a step. The mean over these is what ignore_index gives.
            var positions = Enumerable.Range(0, targets.Length).Where(k => targets[k] != Ignore).Select(k => (long)k).ToArray();
            yield return new WindowBatch(inputs, [.. positions.Select(k => targets[k])], positions, size);
        }
    }

    protected override Tensor Loss(object batch)
    {
        var b = (WindowBatch)batch;
        var network = _network!;
        var inputs = tensor(b.Inputs, [b.Size, Options.MaxLength], device: Device);
        var hidden = network.forward(inputs);                                         // [B, L, D]
        var targeted = hidden.view(-1, Options.HiddenSize).index_select(0, tensor(b.Positions, device: Device)); // [T, D]
        var logits = network.Logits(targeted);                                        // [T, I]
        return nn.functional.cross_entropy(logits, tensor(b.Targets, device: Device));
    }

    protected override void PrepareScoring(UserSequences histories, TrainingData data)
    {
        var network = _network!;
        var d = Options.HiddenSize;
        var users = new float[data.UserCount * d];
        const int chunk = 256;
        for (var start = 0; start < data.UserCount; start += chunk)
        {
            using var scope = NewDisposeScope();
            var size = Math.Min(chunk, data.UserCount - start);
            var inputs = new long[size * Options.MaxLength];
            for (var b = 0; b < size; b++)
            {
                var history = histories[start + b];
                Window(history, history.Count).CopyTo(inputs.AsSpan(b * Options.MaxLength, Options.MaxLength));
            }
            network.Last(tensor(inputs, [size, Options.MaxLength], device: Device)).cpu().data<float>()
                .CopyTo(users.AsSpan(start * d, size * d));
        }
        _users = users;
        _items = network.ItemVectors();
    }

    /// <summary>The last max_len items before <paramref name="end"/>, right-aligned, shifted by one (0 pads).</summary>
    private long[] Window(IReadOnlyList<int> sequence, int end)
    {
        var window = new long[Options.MaxLength];
        for (var k = 1; k <= Options.MaxLength && end - k >= 0; k++)
        {
            window[Options.MaxLength - k] = sequence[end - k] + 1;
        }
        return window;
    }

    /// <summary>Inputs [Size, L] (0 = padding); the targets of the positions that have one, at those flat positions.</summary>
    private sealed record WindowBatch(long[] Inputs, long[] Targets, long[] Positions, int Size);

    /// <summary>Causal multi-head self-attention, batch first: [B, L, D] → [B, L, D].</summary>
    private sealed class CausalSelfAttention : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly Linear query;
        private readonly Linear key;
        private readonly Linear value;
        private readonly Linear projection;
        private readonly SeededDropout dropout;
        private readonly int _heads;

        public CausalSelfAttention(int hidden, int heads, double dropoutRate, ulong seed)
            : base("attention")
        {
            query = nn.Linear(hidden, hidden);
            key = nn.Linear(hidden, hidden);
            value = nn.Linear(hidden, hidden);
            projection = nn.Linear(hidden, hidden);
            dropout = new SeededDropout(dropoutRate, seed);
            _heads = heads;
            RegisterComponents();
        }

        /// <param name="x">[B, L, D]</param>
        /// <param name="blocked">[B, 1, L, L] true where a query may not look at a key.</param>
        public override Tensor forward(Tensor x, Tensor blocked)
        {
            var (b, l, d) = (x.shape[0], x.shape[1], x.shape[2]);
            var headSize = d / _heads;
            Tensor Split(Tensor t) => t.view(b, l, _heads, headSize).transpose(1, 2);  // [B, H, L, d/H]
            var q = Split(query.forward(x));
            var k = Split(key.forward(x));
            var v = Split(value.forward(x));
            var scores = q.matmul(k.transpose(-2, -1)).div(Math.Sqrt(headSize).Held());  // [B, H, L, L]
            var weights = dropout.forward(nn.functional.softmax(scores.masked_fill(blocked, float.NegativeInfinity.Held()), -1));
            var mixed = weights.matmul(v).transpose(1, 2).contiguous().view(b, l, d);  // [B, L, D]
            return projection.forward(mixed);
        }
    }

    /// <summary>Pre-norm block: x + attention(norm(x)), then x + feed-forward(norm(x)).</summary>
    private sealed class Block : nn.Module<Tensor, Tensor, Tensor>
    {
        private readonly LayerNorm attention_norm;
        private readonly CausalSelfAttention attention;
        private readonly LayerNorm feed_forward_norm;
        private readonly Linear feed_forward_in;
        private readonly Linear feed_forward_out;
        private readonly SeededDropout dropout;

        public Block(int hidden, int heads, double dropoutRate, DeterministicRandom random)
            : base("block")
        {
            attention_norm = nn.LayerNorm(hidden);
            attention = new CausalSelfAttention(hidden, heads, dropoutRate, random.NextUInt64());
            feed_forward_norm = nn.LayerNorm(hidden);
            feed_forward_in = nn.Linear(hidden, hidden);
            feed_forward_out = nn.Linear(hidden, hidden);
            dropout = new SeededDropout(dropoutRate, random.NextUInt64());
            RegisterComponents();
        }

        public override Tensor forward(Tensor x, Tensor blocked)
        {
            x = x.Plus(dropout.forward(attention.forward(attention_norm.forward(x), blocked)));
            var ff = feed_forward_out.forward(nn.functional.gelu(feed_forward_in.forward(feed_forward_norm.forward(x))));
            return x.Plus(dropout.forward(ff));
        }
    }

    /// <summary>The network; field names are checkpoint keys.</summary>
    private sealed class SasRecNetwork : nn.Module<Tensor, Tensor>
    {
        private readonly Embedding item_embedding;
        private readonly Embedding position_embedding;
        private readonly SeededDropout embedding_dropout;
        private readonly ModuleList<Block> blocks;
        private readonly LayerNorm final_norm;
        private readonly int _hidden;
        private readonly int _length;

        public SasRecNetwork(int items, int hidden, int layers, int heads, int length, double dropoutRate, DeterministicRandom random)
            : base("sasrec")
        {
            item_embedding = nn.Embedding(items + 1, hidden, padding_idx: 0);
            position_embedding = nn.Embedding(length, hidden);
            embedding_dropout = new SeededDropout(dropoutRate, random.NextUInt64());
            blocks = nn.ModuleList(Enumerable.Range(0, layers).Select(_ => new Block(hidden, heads, dropoutRate, random)).ToArray());
            final_norm = nn.LayerNorm(hidden);
            _hidden = hidden;
            _length = length;
            RegisterComponents();
            TorchInit.Seeded(this, random);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            item_embedding.weight![0].zero_();                                        // the padding row stays zero
        }

        /// <param name="items">[B, L] item ids + 1, 0 = padding, right-aligned.</param>
        /// <returns>[B, L, D]</returns>
        public override Tensor forward(Tensor items)
        {
            var (b, l) = (items.shape[0], items.shape[1]);
            var positions = tensor(Enumerable.Range(0, (int)l).Select(p => (long)p).ToArray(), device: items.device).unsqueeze(0).expand(b, -1);
            var x = item_embedding.forward(items).mul(Math.Sqrt(_hidden).Held()).Plus(position_embedding.forward(positions));
            x = embedding_dropout.forward(x) * items.ne(0L.Held()).unsqueeze(-1);
            // A query may see itself and earlier non-padding keys; seeing itself keeps padded rows finite.
            var future = ones(l, l, dtype: ScalarType.Bool, device: items.device).triu(1);        // [L, L]
            var padding = items.eq(0L.Held()).unsqueeze(1);                                        // [B, 1, L]
            var self = eye(l, dtype: ScalarType.Bool, device: items.device);
            var blocked = (future.unsqueeze(0) | padding) & ~self.unsqueeze(0);                    // [B, L, L]
            blocked = blocked.unsqueeze(1);                                                        // [B, 1, L, L]
            foreach (var block in blocks)
            {
                x = block.forward(x, blocked);
            }
            return final_norm.forward(x);
        }

        /// <summary>Scores of every item for hidden states [N, D] → [N, I] (the padding row excluded).</summary>
        public Tensor Logits(Tensor hidden) => hidden.matmul(item_embedding.weight![1..].t());

        /// <summary>The last position's output for windows [B, L] → [B, D].</summary>
        public Tensor Last(Tensor items) => forward(items)[.., _length - 1, ..];

        public float[] ItemVectors() => item_embedding.weight![1..].cpu().data<float>().ToArray();
    }
}
