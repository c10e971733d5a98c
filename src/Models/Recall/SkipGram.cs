using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Which embedding table of a skip-gram model serves as item vectors.</summary>
public enum SkipGramItemVectors
{
    /// <summary>The output (context) table: history input vectors · output vector is the model's own logit.</summary>
    Output,

    /// <summary>The L2-normalised input table: cosine between items.</summary>
    Input,
}

/// <summary>Options shared by the skip-gram item embedding models (<see cref="Item2VecRecommender"/>, <see cref="DeepWalkRecommender"/>).</summary>
public abstract record SkipGramOptions : NeuralOptions
{
    protected SkipGramOptions()
    {
        Epochs = 30;
        BatchSize = 1024;
        LearningRate = 5e-3;
        Patience = 3;
    }

    [Option("embedding", "(int) item vector size")]
    public int EmbeddingSize { get; init; } = 64;

    [Option("window", "(int) context items on each side of a centre item; 0 = every other item of the sequence (quadratic in its length)")]
    public int Window { get; init; } = 5;

    [Option("negatives", "(int) negative items sampled per (centre, context) pair")]
    public int Negatives { get; init; } = 5;

    [Option("unigram_exponent", "(double) negatives are drawn ∝ count^this (0.75 as word2vec; 0 = uniform; negative values favour rare items, which Caselles-Dupré et al. 2018 found better for recommendation)")]
    public double UnigramExponent { get; init; } = 0.75;

    [Option("subsample", "(double) word2vec subsampling threshold t: an item of frequency f is kept with probability (√(f/t) + 1)·t/f; 0 = keep all")]
    public double Subsample { get; init; }

    [Option("item_vectors", "(output|input) what users are matched against: the output (context) embeddings, so a score is the skip-gram logit of the item as context of the history, or the L2-normalised input embeddings (item-to-item cosine, as the Item2Vec paper)")]
    public SkipGramItemVectors ItemVectorKind { get; init; } = SkipGramItemVectors.Output;

    [Option("decay", "(double) user vector = mean of the history's item vectors weighted decay^(positions from the end); 1 = plain mean")]
    public double Decay { get; init; } = 0.9;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (EmbeddingSize is < 1 or > 4096) yield return "embedding must be from 1 to 4096";
        if (Window is < 0 or > 10_000) yield return "window must be from 0 (whole sequence) to 10000";
        if (Negatives is < 1 or > 1000) yield return "negatives must be from 1 to 1000";
        if (UnigramExponent is < -2 or > 2) yield return "unigram_exponent must be from -2 to 2";
        if (Subsample is < 0 or >= 1) yield return "subsample must be in [0, 1)";
        if (Decay is <= 0 or > 1) yield return "decay must be in (0, 1]";
    }
}

/// <summary>
/// Skip-gram with negative sampling (Mikolov et al., "Distributed Representations of Words and Phrases and their
/// Compositionality", NeurIPS 2013) over a corpus of item sequences that each subclass supplies: every item of a
/// sequence predicts the items within <c>window</c> positions of it through two embedding tables (input v, output
/// u), loss = −log σ(v_c·u_o) − Σ_n log σ(−v_c·u_n) with <c>negatives</c> items n drawn ∝ count^<c>unigram_exponent</c>
/// (counts of the training sequences, built once per training run). A user vector is the recency-weighted mean of
/// their history's input embeddings (the last item weighs 1, the one before <c>decay</c>, then decay², ...), and a
/// score is its dot product with the item vectors: by default the output embeddings, which makes the score the
/// model's own logit of the item appearing beside the history (popular items keep their larger logits); with
/// <c>item_vectors=input</c> both sides are L2-normalised input embeddings, i.e. item-to-item cosine as in the
/// Item2Vec paper, which on MovieLens-100K ranks far below popularity (docs/quality.md). A user without history
/// scores all zeros.
/// </summary>
public abstract class SkipGramRecommender<TOptions>(TOptions options) : NeuralRecommender<TOptions>(options)
    where TOptions : SkipGramOptions
{
    private SkipGramNetwork? _network;
    private TrainingData? _samplerData;
    private double[] _negativeCumulative = [];
    private double[] _keepProbability = [];
    private float[] _users = [];
    private float[] _items = [];
    private float[] _history = [];

    /// <summary>The L2-normalised input embeddings, [items × embedding].</summary>
    public override float[] ItemVectors => _items;

    public override int VectorSize => Options.EmbeddingSize;

    /// <summary>The input embeddings a user vector averages, [items × embedding] (L2-normalised when item_vectors=input).</summary>
    public float[] HistoryVectors => _history;

    public override void Score(int user, Span<float> scores)
    {
        VectorScoring.Dot(VectorScoring.Row(_users, user, Options.EmbeddingSize), _items, [], scores);
    }

    /// <summary>The user vector of a history (oldest item first): Σ decay^age · v_i / Σ decay^age; zeros when empty.</summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1)
    {
        var vector = new float[Options.EmbeddingSize];
        WeightedMean(history, vector);
        return vector;
    }

    /// <summary>The sequences skip-gram reads this epoch (the training sequences, or random walks over them).</summary>
    protected abstract IEnumerable<IReadOnlyList<int>> Corpus(TrainingData data, DeterministicRandom random);

    protected sealed override nn.Module CreateNetwork(TrainingData data, DeterministicRandom random)
    {
        _network = new SkipGramNetwork(data.ItemCount, Options.EmbeddingSize, random);
        return _network;
    }

    protected sealed override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        if (!ReferenceEquals(_samplerData, data))
        {
            BuildSampler(data);
        }
        var sentences = new List<int[]>();
        foreach (var sequence in Corpus(data, random))
        {
            var kept = Options.Subsample > 0 ? Subsampled(sequence, random) : [.. sequence];
            if (kept.Length >= 2)
            {
                sentences.Add(kept);
            }
        }
        // Centre items in random order; each emits its (centre, context) pairs into the current batch.
        var tokens = new long[sentences.Sum(s => (long)s.Length)];
        for (int s = 0, n = 0; s < sentences.Count; s++)
        {
            for (var p = 0; p < sentences[s].Length; p++)
            {
                tokens[n++] = ((long)s << 32) | (uint)p;
            }
        }
        random.Shuffle(tokens);

        var size = Options.BatchSize;
        var centres = new long[size];
        var contexts = new long[size];
        var count = 0;
        foreach (var token in tokens)
        {
            var sentence = sentences[(int)(token >> 32)];
            var position = (int)(token & 0xFFFF_FFFF);
            var (from, to) = Options.Window == 0
                ? (0, sentence.Length - 1)
                : (Math.Max(0, position - Options.Window), Math.Min(sentence.Length - 1, position + Options.Window));
            for (var c = from; c <= to; c++)
            {
                if (c == position)
                {
                    continue;
                }
                centres[count] = sentence[position];
                contexts[count] = sentence[c];
                if (++count == size)
                {
                    yield return Batch(centres, contexts, count, random);
                    count = 0;
                }
            }
        }
        if (count > 0)
        {
            yield return Batch(centres, contexts, count, random);
        }
    }

    protected sealed override Tensor Loss(object batch)
    {
        var b = (PairBatch)batch;
        return _network!.Loss(
            tensor(b.Centres, device: Device),
            tensor(b.Contexts, device: Device),
            tensor(b.Negatives, [b.Centres.Length, Options.Negatives], device: Device));
    }

    protected sealed override void PrepareScoring(UserSequences histories, TrainingData data)
    {
        var d = Options.EmbeddingSize;
        var items = _network!.InputEmbeddings();
        _history = Options.ItemVectorKind == SkipGramItemVectors.Input ? items : (float[])items.Clone();
        for (var i = 0; i < items.Length / d; i++)
        {
            var row = items.AsSpan(i * d, d);
            var norm = System.Numerics.Tensors.TensorPrimitives.Norm(row);
            if (norm > 0)
            {
                System.Numerics.Tensors.TensorPrimitives.Divide(row, norm, row);
            }
        }
        _items = Options.ItemVectorKind == SkipGramItemVectors.Input ? items : _network.OutputEmbeddings();
        var users = new float[histories.UserCount * d];
        for (var u = 0; u < histories.UserCount; u++)
        {
            WeightedMean(histories[u], users.AsSpan(u * d, d));
        }
        _users = users;
    }

    private void WeightedMean(IReadOnlyList<int> history, Span<float> vector)
    {
        var d = Options.EmbeddingSize;
        vector.Clear();
        double weight = 1, total = 0;
        for (var p = history.Count - 1; p >= 0; p--, weight *= Options.Decay)
        {
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(_history.AsSpan(history[p] * d, d), (float)weight, vector, vector);
            total += weight;
        }
        if (total > 0)
        {
            System.Numerics.Tensors.TensorPrimitives.Divide(vector, (float)total, vector);
        }
    }

    private PairBatch Batch(long[] centres, long[] contexts, int count, DeterministicRandom random)
    {
        var negatives = new long[count * Options.Negatives];
        for (var n = 0; n < negatives.Length; n++)
        {
            negatives[n] = random.SampleCumulative(_negativeCumulative);
        }
        return new PairBatch(centres[..count], contexts[..count], negatives);
    }

    /// <summary>Negative-sampling table and subsampling keep probabilities, from the item counts of the training sequences.</summary>
    private void BuildSampler(TrainingData data)
    {
        var counts = new double[data.ItemCount];
        for (var u = 0; u < data.UserCount; u++)
        {
            foreach (var item in data.Sequences[u])
            {
                counts[item]++;
            }
        }
        var total = counts.Sum();
        _negativeCumulative = new double[data.ItemCount];
        _keepProbability = new double[data.ItemCount];
        double running = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            running += counts[i] > 0 ? Math.Pow(counts[i], Options.UnigramExponent) : 0;
            _negativeCumulative[i] = running;
            var frequency = counts[i] / Math.Max(1, total);
            _keepProbability[i] = frequency > 0 && Options.Subsample > 0
                ? Math.Min(1, (Math.Sqrt(frequency / Options.Subsample) + 1) * Options.Subsample / frequency)
                : 1;
        }
        _samplerData = data;
    }

    private int[] Subsampled(IReadOnlyList<int> sequence, DeterministicRandom random)
    {
        var kept = new List<int>(sequence.Count);
        foreach (var item in sequence)
        {
            if (_keepProbability[item] >= 1 || random.NextDouble() < _keepProbability[item])
            {
                kept.Add(item);
            }
        }
        return [.. kept];
    }

    private sealed record PairBatch(long[] Centres, long[] Contexts, long[] Negatives);

    /// <summary>Input and output item embeddings; field names are checkpoint keys.</summary>
    private sealed class SkipGramNetwork : nn.Module
    {
        private readonly Embedding input_embedding;
        private readonly Embedding output_embedding;

        public SkipGramNetwork(int items, int size, DeterministicRandom random)
            : base("skipgram")
        {
            input_embedding = nn.Embedding(items, size);
            output_embedding = nn.Embedding(items, size);
            RegisterComponents();
            TorchInit.Seeded(this, random);
        }

        /// <summary>Mean over the batch of −log σ(v_c·u_o) − Σ_n log σ(−v_c·u_n); negatives [B, K].</summary>
        public Tensor Loss(Tensor centres, Tensor contexts, Tensor negatives)
        {
            var v = input_embedding.forward(centres);                                  // [B, D]
            var u = output_embedding.forward(contexts);                                // [B, D]
            var n = output_embedding.forward(negatives);                               // [B, K, D]
            var positive = nn.functional.logsigmoid((v * u).sum(-1));                  // [B]
            var negative = nn.functional.logsigmoid(-n.matmul(v.unsqueeze(-1)).squeeze(-1)).sum(-1); // [B]
            return -positive.Plus(negative).mean();
        }

        public float[] InputEmbeddings() => input_embedding.weight!.cpu().data<float>().ToArray();

        public float[] OutputEmbeddings() => output_embedding.weight!.cpu().data<float>().ToArray();
    }
}
