using RecSys.Models.Data;
using RecSys.Models.Recall;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Training;

/// <summary>
/// What the side-feature retrieval models (two-tower, YouTube-DNN) share: the <see cref="SideFeatures"/> built from
/// the training metadata (saved beside the weights), the <see cref="SampledSoftmax"/> loss, and scoring as
/// user vector · item vector from vectors computed once per history in chunks.
/// </summary>
public abstract class SampledSoftmaxRecommender<TOptions>(TOptions options) : NeuralRecommender<TOptions>(options)
    where TOptions : SampledSoftmaxOptions
{
    private const int Chunk = 512;
    private SideFeatures? _features;
    private SampledSoftmax? _softmax;
    private float[] _users = [];
    private float[] _items = [];

    /// <summary>The encoded user and item metadata the towers read.</summary>
    protected SideFeatures Features => _features ?? throw new InvalidOperationException($"{Name} has no features yet");

    protected SampledSoftmax Softmax => _softmax ?? throw new InvalidOperationException($"{Name} is not training");

    public override float[] ItemVectors => _items;

    public override void Score(int user, Span<float> scores) =>
        VectorScoring.Dot(VectorScoring.Row(_users, user, VectorSize), _items, [], scores);

    protected sealed override nn.Module CreateNetwork(TrainingData data, DeterministicRandom random)
    {
        if (data.UserInfos is not null)
        {
            // Training: encode the metadata and sample negatives by training frequency.
            _features = SideFeatures.Build(data.UserCount, data.ItemCount, data.UserInfos, data.ItemInfos ?? []);
            _softmax = new SampledSoftmax(Options, data.ItemCounts());
        }
        else if (_features is null || _features.UserCount != data.UserCount || _features.ItemCount != data.ItemCount)
        {
            throw new InvalidDataException($"{Name}: the saved features do not match {data.UserCount} users and {data.ItemCount} items");
        }
        return CreateTowers(data, random);
    }

    /// <summary>Builds the towers; <see cref="Features"/> is set.</summary>
    protected abstract nn.Module CreateTowers(TrainingData data, DeterministicRandom random);

    /// <summary>User vectors [n, <see cref="NeuralRecommender{T}.VectorSize"/>] given their histories.</summary>
    protected abstract Tensor UserVectors(long[] users, UserSequences histories);

    /// <summary>Item vectors [n, <see cref="NeuralRecommender{T}.VectorSize"/>].</summary>
    protected abstract Tensor ItemVectorsOf(long[] items);

    /// <summary>The vectors as compared: L2-normalised rows under cosine similarity, unchanged under dot.</summary>
    protected Tensor Normalise(Tensor vectors) =>
        Options.Similarity == TowerSimilarity.Cosine ? nn.functional.normalize(vectors, p: 2, dim: 1) : vectors;

    protected override void PrepareScoring(UserSequences histories, TrainingData data)
    {
        _items = Rows(data.ItemCount, ItemVectorsOf);
        _users = Rows(data.UserCount, users => UserVectors(users, histories));
    }

    protected override void SaveExtras(string weightsPath) => Features.Save(FeaturesPath(weightsPath));

    protected override void LoadExtras(string weightsPath, TrainingData data) => _features = SideFeatures.Load(FeaturesPath(weightsPath));

    private static string FeaturesPath(string weightsPath) => Path.ChangeExtension(weightsPath, ".features.json");

    private float[] Rows(int count, Func<long[], Tensor> vectors)
    {
        var size = VectorSize;
        var rows = new float[count * size];
        for (var start = 0; start < count; start += Chunk)
        {
            using var scope = NewDisposeScope();
            var ids = Enumerable.Range(start, Math.Min(Chunk, count - start)).Select(i => (long)i).ToArray();
            vectors(ids).cpu().data<float>().CopyTo(rows.AsSpan(start * size, ids.Length * size));
        }
        return rows;
    }
}
