using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Training losses of <see cref="Gru4RecRecommender"/>.</summary>
public enum Gru4RecLoss
{
    /// <summary>Softmax cross-entropy over the whole catalogue.</summary>
    CrossEntropy,

    /// <summary>BPR-max over the other targets of the mini-batch (Hidasi and Karatzoglou, CIKM 2018).</summary>
    BprMax,
}

/// <summary>Options for <see cref="Gru4RecRecommender"/>.</summary>
public sealed record Gru4RecOptions : NeuralOptions
{
    public Gru4RecOptions()
    {
        Epochs = 30;
        BatchSize = 64;
        LearningRate = 1e-3;
        Patience = 6; // one held-out item per user makes validation noisy
    }

    [Option("embedding", "(int) item embedding size fed to the GRU")]
    public int EmbeddingSize { get; init; } = 64;

    [Option("hidden", "(int) GRU state size: the user vector")]
    public int HiddenSize { get; init; } = 128;

    [Option("dropout", "(double) dropout on the GRU output")]
    public double Dropout { get; init; } = 0.2;

    [Option("loss", "(crossentropy|bprmax) training loss")]
    public Gru4RecLoss Loss { get; init; } = Gru4RecLoss.CrossEntropy;

    [Option("bpr_reg", "(double) score regularisation of BPR-max")]
    public double BprRegularization { get; init; } = 1.0;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (EmbeddingSize is < 1 or > 4096) yield return "embedding must be from 1 to 4096";
        if (HiddenSize is < 1 or > 4096) yield return "hidden must be from 1 to 4096";
        if (Dropout is < 0 or >= 1) yield return "dropout must be in [0, 1)";
        if (BprRegularization < 0) yield return "bpr_reg must not be negative";
    }
}

/// <summary>
/// GRU4Rec (Hidasi et al., "Session-based Recommendations with Recurrent Neural Networks", ICLR 2016): a GRU
/// reads a user's items in order; its state scores the next item through an output layer. Trained with
/// session-parallel mini-batches: B sequences advance one item per step side by side, a finished sequence's slot
/// takes the next one with a fresh state, and the state is carried (detached) between steps. The state is the
/// user vector; <see cref="Step"/> advances it by one item, which is what serving runs per event.
/// </summary>
public sealed class Gru4RecRecommender(Gru4RecOptions? options = null) : NeuralRecommender<Gru4RecOptions>(options ?? new Gru4RecOptions())
{
    private const long Ignore = -100;

    private Gru4RecNetwork? _network;
    private Tensor? _state;
    private float[] _users = [];
    private float[] _items = [];
    private float[] _bias = [];

    public override string Name => "gru4rec";

    /// <summary>Size of the GRU state.</summary>
    public int StateSize => Options.HiddenSize;

    /// <summary>Output weights with the bias appended: [w_i, b_i] · [h, 1] is exactly the score.</summary>
    public override float[] ItemVectors
    {
        get
        {
            var h = Options.HiddenSize;
            var vectors = new float[_bias.Length * (h + 1)];
            for (var i = 0; i < _bias.Length; i++)
            {
                _items.AsSpan(i * h, h).CopyTo(vectors.AsSpan(i * (h + 1), h));
                vectors[i * (h + 1) + h] = _bias[i];
            }
            return vectors;
        }
    }

    /// <summary>State size + 1 (the bias component; user vectors end with a 1).</summary>
    public override int VectorSize => Options.HiddenSize + 1;

    public override void Score(int user, Span<float> scores)
    {
        VectorScoring.Dot(VectorScoring.Row(_users, user, Options.HiddenSize), _items, _bias, scores);
    }

    /// <summary>The state after <paramref name="history"/> with the bias component 1 appended (the user is not used).</summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1) => [.. Encode(history), 1f];

    /// <summary>State · output weights + bias, without building <see cref="ItemVectors"/>.</summary>
    public override void ScoreItems(ReadOnlySpan<float> userVector, ReadOnlySpan<int> items, Span<float> scores)
    {
        var h = Options.HiddenSize;
        CheckScoreItems(userVector, items, scores, h + 1, _bias.Length);
        for (var n = 0; n < items.Length; n++)
        {
            scores[n] = System.Numerics.Tensors.TensorPrimitives.Dot(userVector[..h], _items.AsSpan(items[n] * h, h)) + userVector[h] * _bias[items[n]];
        }
    }

    /// <summary>The state after reading <paramref name="items"/> in order, in one GRU call.</summary>
    public float[] Encode(IReadOnlyList<int> items)
    {
        var network = _network ?? throw new InvalidOperationException("gru4rec is not trained");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        if (items.Count == 0)
        {
            return new float[Options.HiddenSize];
        }
        var input = tensor(items.Select(i => (long)i).ToArray(), device: Device).unsqueeze(1); // [L, 1]
        var (_, last) = network.Run(input, zeros(1, 1, Options.HiddenSize, device: Device));
        return last.cpu().data<float>().ToArray();
    }

    /// <summary>
    /// The query vector (<see cref="UserVector"/>'s layout: the state, then the bias input 1) after one more item,
    /// given the previous query vector: what serving does per event, O(1) in the history length.
    /// </summary>
    public float[] StepQuery(ReadOnlySpan<float> query, int item) => [.. Step(query[..StateSize], item), 1f];

    /// <summary>Advances a state by one item: O(1) in the history length.</summary>
    public float[] Step(ReadOnlySpan<float> state, int item)
    {
        var network = _network ?? throw new InvalidOperationException("gru4rec is not trained");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var h = tensor(state.ToArray(), [1, 1, Options.HiddenSize], device: Device);
        var (_, next) = network.Run(tensor(new long[] { item }, device: Device).unsqueeze(1), h);
        return next.cpu().data<float>().ToArray();
    }

    protected override nn.Module CreateNetwork(TrainingData data, DeterministicRandom random)
    {
        _network = new Gru4RecNetwork(data.ItemCount, Options.EmbeddingSize, Options.HiddenSize, Options.Dropout, random);
        return _network;
    }

    protected override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        // Session-parallel: every slot walks one user's sequence; -1 marks an idle slot once sequences run out.
        var sessions = Enumerable.Range(0, data.UserCount).Where(u => data.Sequences[u].Count >= 2).ToArray();
        random.Shuffle(sessions);
        var slots = Math.Min(Options.BatchSize, sessions.Length);
        var user = new int[slots];
        var position = new int[slots];
        var next = 0;
        for (var s = 0; s < slots; s++)
        {
            user[s] = sessions[next++];
        }
        var reset = Enumerable.Repeat(true, slots).ToArray();

        _state?.Dispose();
        _state = zeros(1, slots, Options.HiddenSize, device: Device);
        while (true)
        {
            var inputs = new long[slots];
            var targets = new long[slots];
            var active = 0;
            for (var s = 0; s < slots; s++)
            {
                if (user[s] < 0)
                {
                    targets[s] = Ignore;
                    continue;
                }
                var sequence = data.Sequences[user[s]];
                inputs[s] = sequence[position[s]];
                targets[s] = sequence[position[s] + 1];
                active++;
            }
            if (active == 0)
            {
                yield break;
            }
            yield return new SessionBatch(inputs, targets, (bool[])reset.Clone());

            for (var s = 0; s < slots; s++)
            {
                reset[s] = false;
                if (user[s] < 0)
                {
                    continue;
                }
                position[s]++;
                if (position[s] + 1 >= data.Sequences[user[s]].Count)
                {
                    user[s] = next < sessions.Length ? sessions[next++] : -1;
                    position[s] = 0;
                    reset[s] = true;
                }
            }
        }
    }

    protected override Tensor Loss(object batch)
    {
        var b = (SessionBatch)batch;
        var network = _network!;
        var keep = tensor(b.Reset.Select(r => r ? 0f : 1f).ToArray(), device: Device).view(1, -1, 1);
        var state = _state! * keep;                                                   // fresh state for new sequences
        var input = tensor(b.Inputs, device: Device).unsqueeze(0);                   // [1, B]
        var (output, next) = network.Run(input, state);                              // [1, B, H]
        _state!.Dispose();
        _state = next.detach().MoveToOuterDisposeScope();                            // carried, not back-propagated
        var logits = network.Logits(output.squeeze(0), training: true);              // [B, I]
        var targets = tensor(b.Targets, device: Device);
        return Options.Loss == Gru4RecLoss.CrossEntropy
            ? nn.functional.cross_entropy(logits, targets, ignore_index: Ignore)
            : BprMax(logits, b.Targets);
    }

    protected override void PrepareScoring(UserSequences histories, TrainingData data)
    {
        var network = _network!;
        var h = Options.HiddenSize;
        var users = new float[data.UserCount * h];
        // Users of similar history length run together, right-padded: the GRU output at each user's last real
        // position is exactly the state after their history (padding comes after it). Users without history keep
        // the zero state, which scores items by the output bias alone.
        var order = Enumerable.Range(0, data.UserCount).Where(u => histories[u].Count > 0).OrderBy(u => histories[u].Count).ToArray();
        const int chunk = 128;
        for (var start = 0; start < order.Length; start += chunk)
        {
            using var scope = NewDisposeScope();
            var batch = order.AsSpan(start, Math.Min(chunk, order.Length - start)).ToArray();
            var length = histories[batch[^1]].Count;
            var input = new long[length * batch.Length];                              // [L, B], time-major
            for (var b = 0; b < batch.Length; b++)
            {
                var history = histories[batch[b]];
                for (var t = 0; t < history.Count; t++)
                {
                    input[t * batch.Length + b] = history[t];
                }
            }
            var (output, _) = network.Run(tensor(input, [length, batch.Length], device: Device), zeros(1, batch.Length, h, device: Device));
            var last = tensor(batch.Select(u => (long)histories[u].Count - 1).ToArray(), device: Device);
            var states = output.permute(1, 0, 2)                                      // [B, L, H]
                .gather(1, last.view(-1, 1, 1).expand(-1, 1, h)).squeeze(1)           // [B, H]
                .cpu().data<float>().ToArray();
            for (var b = 0; b < batch.Length; b++)
            {
                states.AsSpan(b * h, h).CopyTo(users.AsSpan(batch[b] * h, h));
            }
        }
        _users = users;
        (_items, _bias) = network.OutputLayer();
    }

    /// <summary>
    /// BPR-max with the other active targets of the batch as negatives. A batch with one active target has none (the
    /// tail of an epoch, when one sequence is left): its loss is zero, as softmax over a row of −∞ would be NaN and
    /// poison every weight.
    /// </summary>
    private Tensor BprMax(Tensor logits, long[] targets)
    {
        var active = Enumerable.Range(0, targets.Length).Where(s => targets[s] != Ignore).Select(s => (long)s).ToArray();
        if (active.Length < 2)
        {
            return logits.sum().mul(0.0.Held());                                     // no negatives: no gradient
        }
        var rows = tensor(active, device: Device);
        var columns = tensor(active.Select(s => targets[s]).ToArray(), device: Device);
        var scores = logits.index_select(0, rows).index_select(1, columns);          // [A, A]: row a, target of b
        var positive = scores.diagonal().unsqueeze(1);                                // [A, 1]
        var offDiagonal = ones(active.Length, active.Length, device: Device) - eye(active.Length, device: Device);
        var weights = nn.functional.softmax(scores.masked_fill(offDiagonal.eq(0.0.Held()), float.NegativeInfinity.Held()), 1); // over negatives
        var ranking = (weights * nn.functional.sigmoid(positive - scores) * offDiagonal).sum(1);
        var regularisation = (weights * scores.Squared() * offDiagonal).sum(1).mul(Options.BprRegularization.Held());
        return (-ranking.Plus(1e-10.Held()).log()).Plus(regularisation).mean();
    }

    private sealed record SessionBatch(long[] Inputs, long[] Targets, bool[] Reset);

    /// <summary>The network; field names are checkpoint keys.</summary>
    private sealed class Gru4RecNetwork : nn.Module
    {
        private readonly Embedding item_embedding;
        private readonly GRU gru;
        private readonly SeededDropout dropout;
        private readonly Linear output;

        public Gru4RecNetwork(int items, int embedding, int hidden, double dropoutRate, DeterministicRandom random)
            : base("gru4rec")
        {
            item_embedding = nn.Embedding(items, embedding);
            gru = nn.GRU(embedding, hidden);
            dropout = new SeededDropout(dropoutRate, random.NextUInt64());
            output = nn.Linear(hidden, items);
            RegisterComponents();
            TorchInit.Seeded(this, random);
        }

        /// <summary>Reads items [L, B] from state [1, B, H]; returns outputs [L, B, H] and the last state [1, B, H].</summary>
        public (Tensor Output, Tensor State) Run(Tensor items, Tensor state)
        {
            var embedded = item_embedding.forward(items);                            // [L, B, E]
            var (output, last) = gru.forward(embedded, state);
            return (output, last);
        }

        public Tensor Logits(Tensor states, bool training) =>
            output.forward(training ? dropout.forward(states) : states);            // [B, I]

        public (float[] Items, float[] Bias) OutputLayer() =>
            (output.weight!.cpu().data<float>().ToArray(), output.bias!.cpu().data<float>().ToArray());
    }
}
