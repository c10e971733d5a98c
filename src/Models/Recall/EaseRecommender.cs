using System.Numerics.Tensors;
using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="EaseRecommender"/>.</summary>
public sealed record EaseOptions : IModelOptions
{
    [Option("lambda", "(double) L2 regularisation added to the Gram matrix's diagonal")]
    public double Lambda { get; init; } = 250;

    [Option("max_items", "(int) refuse catalogues larger than this (memory peaks near 40 × items² bytes)")]
    public int MaxItems { get; init; } = 10_000;

    public IEnumerable<string> Validate()
    {
        if (Lambda <= 0) yield return "lambda must be positive";
        if (MaxItems is < 1 or > 40_000) yield return "max_items must be from 1 to 40000 (the weights are one items x items array)";
    }
}

/// <summary>
/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", WWW 2019): the item-item weight matrix
/// with a zero diagonal that best reconstructs the user-item matrix, in closed form:
/// P = (XᵀX + λI)⁻¹, B = I − P · diag(1 / diag(P)). Scores are x_u · B.
/// </summary>
public sealed class EaseRecommender(EaseOptions? options = null) : IRecommender
{
    private readonly EaseOptions _options = options ?? new();
    private float[] _weights = [];
    private int _items;
    private UserItemMatrix? _train;

    public string Name => "ease";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var n = train.ItemCount;
        if (n > _options.MaxItems)
        {
            throw new RecommenderConfigurationException(
                $"ease needs an items x items matrix and this catalogue has {n:N0} items (max_items={_options.MaxItems}, about {5.0 * n * n * 8 / 1e9:0.#} GB at peak); filter it (e.g. --k-core) or raise ease.max_items");
        }

        // Gram matrix G = XᵀX of the binary matrix, accumulated sparsely: Σ over users of their item pairs.
        var gram = new double[(long)n * n];
        for (var u = 0; u < train.UserCount; u++)
        {
            var items = train.ItemsOf(u);
            foreach (var i in items)
            {
                var row = (long)i * n;
                foreach (var j in items)
                {
                    gram[row + j] += 1;
                }
            }
        }
        for (var i = 0; i < n; i++)
        {
            gram[(long)i * n + i] += _options.Lambda;
        }
        context.Progress?.Report(new TrainingProgress("gram matrix", 0.3));

        var device = TorchRuntime.SelectDevice(context.Device);
        using (var scope = NewDisposeScope())
        {
            var g = tensor(gram, [n, n], dtype: ScalarType.Float64, device: device);
            var p = linalg.inv(g);                       // [n, n]
            var b = p / (-p.diagonal()).unsqueeze(0);    // column j divided by −P_jj
            _weights = b.to(ScalarType.Float32).cpu().data<float>().ToArray();
        }
        for (var i = 0; i < n; i++)
        {
            _weights[(long)i * n + i] = 0; // B has a zero diagonal: an item may not predict itself
        }
        _items = n;
        _train = train;
        context.Progress?.Report(new TrainingProgress("inverse", 1));
    }

    public void Score(int user, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in _train!.ItemsOf(user))
        {
            TensorPrimitives.Add(scores, _weights.AsSpan(h * _items, _items), scores);
        }
    }
}
