using RecSys.Models.Data;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using static TorchSharp.torch;

namespace RecSys.Models.Training;

/// <summary>Where <see cref="SampledSoftmax"/> takes the negatives of a batch from.</summary>
public enum NegativeSampling
{
    /// <summary>The other positives of the batch (their sampling probability is their training frequency).</summary>
    InBatch,

    /// <summary><c>negatives</c> items drawn uniformly from the catalogue, shared by the batch.</summary>
    Uniform,

    /// <summary><c>negatives</c> items drawn ∝ training count^<c>pop_exponent</c>, shared by the batch.</summary>
    Popularity,
}

/// <summary>How a sampled-softmax model (two-tower, YouTube-DNN) compares a user vector with an item vector.</summary>
public enum TowerSimilarity
{
    /// <summary>Cosine similarity divided by the temperature (vectors are L2-normalised).</summary>
    Cosine,

    /// <summary>Plain dot product divided by the temperature.</summary>
    Dot,
}

/// <summary>Options of the models trained with <see cref="SampledSoftmax"/> (two-tower, YouTube-DNN).</summary>
public abstract record SampledSoftmaxOptions : NeuralOptions
{
    [Option("sampling", "(inbatch|uniform|popularity) where each batch's negatives come from")]
    public NegativeSampling Sampling { get; init; } = NegativeSampling.InBatch;

    [Option("negatives", "(int) sampled negatives per batch for uniform and popularity sampling")]
    public int Negatives { get; init; } = 256;

    [Option("pop_exponent", "(double) popularity sampling draws items ∝ count^pop_exponent")]
    public double PopularityExponent { get; init; } = 0.75;

    [Option("logq", "(double) subtract this × log(sampling probability) from each logit (Yi et al., RecSys 2019): 1 corrects the sampling bias fully, 0 not at all, between keeps some popularity")]
    public double LogQCorrection { get; init; } = 1;

    [Option("similarity", "(cosine|dot) how user and item vectors are compared")]
    public TowerSimilarity Similarity { get; init; } = TowerSimilarity.Dot;

    [Option("temperature", "(double) logits are similarity / temperature")]
    public double Temperature { get; init; } = 1;

    [Option("embedding", "(int) id embedding size (two-tower: user and item ids; YouTube-DNN: the watched items, whose mean is the history)")]
    public int EmbeddingSize { get; init; } = 64;

    [Option("feature_embedding", "(int) embedding size of the side features (gender, age bucket, occupation; two-tower also genres and title tokens)")]
    public int FeatureEmbeddingSize { get; init; } = 16;

    [Option("hidden", "(int) the ReLU layer of each tower")]
    public int HiddenSize { get; init; } = 128;

    [Option("output", "(int) user and item vector size")]
    public int OutputSize { get; init; } = 64;

    [Option("dropout", "(double) dropout after each tower's hidden layer")]
    public double Dropout { get; init; } = 0.1;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Negatives is < 1 or > 1_000_000) yield return "negatives must be from 1 to 1000000";
        if (PopularityExponent is < 0 or > 2) yield return "pop_exponent must be from 0 to 2";
        if (LogQCorrection is < 0 or > 1) yield return "logq must be from 0 to 1";
        if (Temperature is <= 0 or > 100) yield return "temperature must be in (0, 100]";
        if (EmbeddingSize is < 1 or > 4096) yield return "embedding must be from 1 to 4096";
        if (FeatureEmbeddingSize is < 1 or > 4096) yield return "feature_embedding must be from 1 to 4096";
        if (HiddenSize is < 1 or > 8192) yield return "hidden must be from 1 to 8192";
        if (OutputSize is < 1 or > 4096) yield return "output must be from 1 to 4096";
        if (Dropout is < 0 or >= 1) yield return "dropout must be in [0, 1)";
    }
}

/// <summary>
/// Softmax over the positive and sampled negatives instead of the whole catalogue (Jean et al., ACL 2015; as used
/// by YouTube-DNN, Covington et al., RecSys 2016, and two-tower retrieval, Yi et al., RecSys 2019). Each logit
/// may be corrected by −log Q(item), Q being the chance the sampler proposes the item, which makes the sampled
/// loss an estimate of the full softmax; a negative that equals the row's positive (an "accidental hit") is
/// masked out. Negatives are drawn in C# from the seeded generator, so a batch stays plain arrays until its loss.
/// </summary>
public sealed class SampledSoftmax
{
    private readonly NegativeSampling _sampling;
    private readonly int _negatives;
    private readonly bool _correct;
    private readonly double[] _cumulative;
    private readonly float[] _logQ;

    /// <param name="itemCounts">Training interactions per item.</param>
    public SampledSoftmax(SampledSoftmaxOptions options, IReadOnlyList<int> itemCounts)
    {
        _sampling = options.Sampling;
        _negatives = options.Negatives;
        _correct = options.LogQCorrection > 0;
        var items = itemCounts.Count;
        var weights = _sampling switch
        {
            NegativeSampling.Uniform => Enumerable.Repeat(1.0, items).ToArray(),
            NegativeSampling.Popularity => itemCounts.Select(c => Math.Pow(c, options.PopularityExponent) * (c > 0 ? 1 : 0)).ToArray(),
            _ => itemCounts.Select(c => (double)c).ToArray(),
        };
        _cumulative = new double[items];
        var total = 0.0;
        for (var i = 0; i < items; i++)
        {
            total += weights[i];
            _cumulative[i] = total;
        }
        if (total <= 0)
        {
            throw new ArgumentException("no item has training interactions", nameof(itemCounts));
        }
        // Q: probability per draw (in-batch: per batch slot). Items never proposed get a finite floor; they never
        // appear among the negatives, and as positives their correction is large but bounded.
        _logQ = weights.Select(w => (float)(options.LogQCorrection * Math.Log(Math.Max(w / total, 1e-12)))).ToArray();
    }

    /// <summary>Shared negatives for one batch (none for in-batch sampling).</summary>
    public long[] SampleNegatives(DeterministicRandom random)
    {
        if (_sampling == NegativeSampling.InBatch)
        {
            return [];
        }
        var negatives = new long[_negatives];
        for (var n = 0; n < negatives.Length; n++)
        {
            negatives[n] = random.SampleCumulative(_cumulative);
        }
        return negatives;
    }

    /// <summary>
    /// The loss of a batch: <paramref name="users"/> [B, d] against their <paramref name="positiveVectors"/> [B, d]
    /// and the negatives (in-batch: the other positives; else <paramref name="negativeVectors"/> [N, d] of
    /// <paramref name="negatives"/>). Logits are dot products divided by <paramref name="temperature"/>.
    /// </summary>
    public Tensor Loss(Tensor users, Tensor positiveVectors, long[] positives, Tensor? negativeVectors, long[] negatives, double temperature)
    {
        var device = users.device;
        var rows = positives.Length;
        var positiveIds = tensor(positives, device: device);
        if (_sampling == NegativeSampling.InBatch)
        {
            var logits = users.matmul(positiveVectors.t()).div(temperature.Held());           // [B, B]
            if (_correct)
            {
                logits = logits - LogQ(positives, device).unsqueeze(0);                         // column j is item j's logit
            }
            var same = positiveIds.unsqueeze(1) == positiveIds.unsqueeze(0);                    // [B, B]
            var hits = same.logical_and(eye(rows, dtype: ScalarType.Bool, device: device).logical_not());
            logits = logits.masked_fill(hits, float.NegativeInfinity.Held());
            var diagonal = tensor(Enumerable.Range(0, rows).Select(r => (long)r).ToArray(), device: device); // not arange: its bounds are implicit scalars
            return nn.functional.cross_entropy(logits, diagonal);
        }

        var negativeIds = tensor(negatives, device: device);
        var positive = (users * positiveVectors).sum(-1, keepdim: true).div(temperature.Held()); // [B, 1]
        var negative = users.matmul(negativeVectors!.t()).div(temperature.Held());               // [B, N]
        if (_correct)
        {
            // Expected count under N draws is N·q; the constant log N cancels in the softmax, so log q suffices.
            positive = positive - LogQ(positives, device).unsqueeze(1);
            negative = negative - LogQ(negatives, device).unsqueeze(0);
        }
        negative = negative.masked_fill(positiveIds.unsqueeze(1) == negativeIds.unsqueeze(0), float.NegativeInfinity.Held());
        var all = cat([positive, negative], 1);                                                // [B, 1 + N]
        return nn.functional.cross_entropy(all, zeros(rows, dtype: ScalarType.Int64, device: device));
    }

    private Tensor LogQ(long[] items, Device device) => tensor(items.Select(i => _logQ[i]).ToArray(), device: device);
}
