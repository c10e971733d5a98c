using RecSys.Models.Data;
using RecSys.Models.Torch;
using RecSys.Models.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="TwoTowerRecommender"/>.</summary>
public sealed record TwoTowerOptions : SampledSoftmaxOptions
{
    public TwoTowerOptions()
    {
        Epochs = 40;
        BatchSize = 512;
        LearningRate = 1e-3;
        Patience = 3;
        Similarity = TowerSimilarity.Cosine;
        Temperature = 0.1;
    }

    [Option("filters", "(int) text-CNN filters per window size (windows 2, 3, 4 and 5 over title tokens)")]
    public int Filters { get; init; } = 16;

    public override IEnumerable<string> Validate()
    {
        foreach (var problem in base.Validate())
        {
            yield return problem;
        }
        if (Filters is < 1 or > 4096) yield return "filters must be from 1 to 4096";
    }
}

/// <summary>
/// Two-tower DSSM with side features (Huang et al., "Learning Deep Structured Semantic Models for Web Search",
/// CIKM 2013; as a recommender with features, Yi et al., "Sampling-Bias-Corrected Neural Modeling for Large Corpus
/// Item Recommendations", RecSys 2019). The user tower reads the user id, gender, age bucket and occupation; the
/// item tower reads the item id, its genres (mean of genre embeddings) and its title through a text-CNN (Kim,
/// EMNLP 2014) with window sizes 2–5 and max-over-time pooling, as in the MovieLens DSSM seed. Each tower is an MLP
/// to a vector; the score is their cosine (or dot) over a temperature, trained with <see cref="SampledSoftmax"/>.
/// Item vectors do not depend on users, so serving indexes them for ANN.
/// </summary>
public sealed class TwoTowerRecommender(TwoTowerOptions? options = null) : SampledSoftmaxRecommender<TwoTowerOptions>(options ?? new TwoTowerOptions())
{
    private static readonly int[] Windows = [2, 3, 4, 5];

    private TwoTowerNetwork? _network;
    private ItemFeatureTensors? _itemFeatures;
    private Tensor? _userFeatures;
    private (long[] Users, long[] Items)? _pairs;

    public override string Name => "twotower";

    public override int VectorSize => Options.OutputSize;

    protected override nn.Module CreateTowers(TrainingData data, DeterministicRandom random)
    {
        var f = Features;
        _network = new TwoTowerNetwork(data.UserCount, data.ItemCount, f, Options, random);
        _itemFeatures?.Dispose();
        _itemFeatures = ItemFeatureTensors.From(f, Windows.Max());
        _userFeatures?.Dispose();
        var users = new long[data.UserCount * 3];
        for (var u = 0; u < data.UserCount; u++)
        {
            (users[u * 3], users[u * 3 + 1], users[u * 3 + 2]) = (f.UserGender[u], f.UserAge[u], f.UserOccupation[u]);
        }
        _userFeatures = tensor(users, [data.UserCount, 3]);
        _pairs = null;
        return _network;
    }

    protected override IEnumerable<object> Batches(TrainingData data, DeterministicRandom random)
    {
        // Every training (user, item) pair once per epoch, shuffled.
        var (users, items) = _pairs ??= Pairs(data.Matrix);
        var order = Enumerable.Range(0, users.Length).ToArray();
        random.Shuffle(order);
        for (var start = 0; start < order.Length; start += Options.BatchSize)
        {
            var slice = order.AsSpan(start, Math.Min(Options.BatchSize, order.Length - start)).ToArray();
            yield return new PairBatch(
                [.. slice.Select(n => users[n])],
                [.. slice.Select(n => items[n])],
                Softmax.SampleNegatives(random));
        }
    }

    protected override Tensor Loss(object batch)
    {
        var b = (PairBatch)batch;
        var users = UserTower(b.Users);
        var positives = ItemVectorsOf(b.Items);
        var negatives = b.Negatives.Length > 0 ? ItemVectorsOf(b.Negatives) : null;
        return Softmax.Loss(users, positives, b.Items, negatives, b.Negatives, Options.Temperature);
    }

    /// <summary>The user tower's output for a known user (it reads the id and demographics, not the history).</summary>
    public override float[] UserVector(IReadOnlyList<int> history, int user = -1)
    {
        if (_network is null || _userFeatures is null)
        {
            throw new InvalidOperationException("twotower is not trained");
        }
        if (user < 0 || user >= _userFeatures!.shape[0])
        {
            throw new ArgumentOutOfRangeException(nameof(user), user, "twotower's user tower needs a trained user's id; new users need a history-based model");
        }
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _network!.eval();
        return UserTower([user]).cpu().data<float>().ToArray();
    }

    /// <summary>The user tower reads the id and demographics, not the history.</summary>
    protected override Tensor UserVectors(long[] users, UserSequences histories) => UserTower(users);

    private Tensor UserTower(long[] users)
    {
        var ids = tensor(users);
        var features = _userFeatures!.index_select(0, ids).to(Device);
        return Normalise(_network!.User(ids.to(Device), features));
    }

    protected override Tensor ItemVectorsOf(long[] items)
    {
        var ids = tensor(items);
        var f = _itemFeatures!;
        return Normalise(_network!.Item(
            ids.to(Device),
            f.Genres.index_select(0, ids).to(Device),
            f.GenreMask.index_select(0, ids).to(Device),
            f.Title.index_select(0, ids).to(Device)));
    }

    private static (long[] Users, long[] Items) Pairs(UserItemMatrix matrix)
    {
        var users = new long[matrix.NonZeros];
        var items = new long[matrix.NonZeros];
        for (int u = 0, n = 0; u < matrix.UserCount; u++)
        {
            foreach (var i in matrix.ItemsOf(u))
            {
                (users[n], items[n]) = (u, i);
                n++;
            }
        }
        return (users, items);
    }

    private sealed record PairBatch(long[] Users, long[] Items, long[] Negatives);

    /// <summary>Item metadata as padded CPU tensors: genres [I, G] with a mask, title tokens [I, T] (0 pads).</summary>
    private sealed record ItemFeatureTensors(Tensor Genres, Tensor GenreMask, Tensor Title) : IDisposable
    {
        public void Dispose()
        {
            Genres.Dispose();
            GenreMask.Dispose();
            Title.Dispose();
        }

        public static ItemFeatureTensors From(SideFeatures f, int minTitleLength)
        {
            var items = f.ItemCount;
            var g = f.ItemGenres.Max(x => x.Length);
            var t = Math.Max(minTitleLength, f.ItemTitle.Max(x => x.Length));
            var genres = new long[items * g];
            var mask = new float[items * g];
            var title = new long[items * t];
            for (var i = 0; i < items; i++)
            {
                for (var k = 0; k < f.ItemGenres[i].Length; k++)
                {
                    genres[i * g + k] = f.ItemGenres[i][k];
                    mask[i * g + k] = 1;
                }
                for (var k = 0; k < f.ItemTitle[i].Length; k++)
                {
                    title[i * t + k] = f.ItemTitle[i][k];
                }
            }
            return new ItemFeatureTensors(tensor(genres, [items, g]), tensor(mask, [items, g]), tensor(title, [items, t]));
        }
    }

    /// <summary>The two towers; field names are checkpoint keys.</summary>
    private sealed class TwoTowerNetwork : nn.Module
    {
        private readonly Embedding user_id;
        private readonly Embedding gender;
        private readonly Embedding age;
        private readonly Embedding occupation;
        private readonly Linear user_hidden;
        private readonly Linear user_output;
        private readonly Embedding item_id;
        private readonly Embedding genre;
        private readonly Embedding title_token;
        private readonly ModuleList<Conv1d> title_convolutions;
        private readonly Linear item_hidden;
        private readonly Linear item_output;
        private readonly SeededDropout dropout;

        public TwoTowerNetwork(int users, int items, SideFeatures f, TwoTowerOptions o, DeterministicRandom random)
            : base("twotower")
        {
            var e = o.FeatureEmbeddingSize;
            user_id = nn.Embedding(users, o.EmbeddingSize);
            gender = nn.Embedding(f.GenderVocabulary, e);
            age = nn.Embedding(f.AgeVocabulary, e);
            occupation = nn.Embedding(f.OccupationVocabulary, e);
            user_hidden = nn.Linear(o.EmbeddingSize + 3 * e, o.HiddenSize);
            user_output = nn.Linear(o.HiddenSize, o.OutputSize);
            item_id = nn.Embedding(items, o.EmbeddingSize);
            genre = nn.Embedding(f.GenreVocabulary, e);
            title_token = nn.Embedding(f.TokenVocabulary, e, padding_idx: 0);
            title_convolutions = nn.ModuleList(Windows.Select(w => nn.Conv1d(e, o.Filters, w)).ToArray());
            item_hidden = nn.Linear(o.EmbeddingSize + e + Windows.Length * o.Filters, o.HiddenSize);
            item_output = nn.Linear(o.HiddenSize, o.OutputSize);
            dropout = new SeededDropout(o.Dropout, random.NextUInt64());
            RegisterComponents();
            TorchInit.Seeded(this, random);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            title_token.weight![0].zero_(); // padding (and unknown tokens) contribute nothing
        }

        /// <summary>User ids [B] and (gender, age, occupation) ids [B, 3] → [B, output].</summary>
        public Tensor User(Tensor ids, Tensor features)
        {
            var input = cat([
                user_id.forward(ids),
                gender.forward(features.select(1, 0)),
                age.forward(features.select(1, 1)),
                occupation.forward(features.select(1, 2)),
            ], 1);
            return user_output.forward(dropout.forward(nn.functional.relu(user_hidden.forward(input))));
        }

        /// <summary>Item ids [B], genre ids [B, G] with mask [B, G], title tokens [B, T] → [B, output].</summary>
        public Tensor Item(Tensor ids, Tensor genres, Tensor genreMask, Tensor title)
        {
            var genreMean = (genre.forward(genres) * genreMask.unsqueeze(-1)).sum(1) / genreMask.sum(1, keepdim: true).clamp_min(1.0.Held());
            var tokens = title_token.forward(title);                                    // [B, T, E]
            var text = cat(title_convolutions.Select(c => MaxOverTime(c, tokens)).ToArray(), 1); // [B, 4F]
            var input = cat([item_id.forward(ids), genreMean, text], 1);
            return item_output.forward(dropout.forward(nn.functional.relu(item_hidden.forward(input))));
        }

        /// <summary>
        /// relu(<paramref name="convolution"/>(tokens)) max-pooled over time: [B, T, E] → [B, F]. The convolution is
        /// computed as its weight [F, E, w] applied to the unfolded windows [B, T−w+1, E·w] — the same value, but not
        /// libtorch's conv1d, whose batched CPU backward (kernel ≥ 2, TorchSharp 0.107's libtorch 2.10) returned
        /// wrong input gradients, and NaN where its uninitialised buffer held NaN or ±∞, so the title embeddings learnt
        /// garbage and training turned NaN at random. The Conv1d modules keep the parameters (and checkpoint keys).
        /// </summary>
        private static Tensor MaxOverTime(Conv1d convolution, Tensor tokens)
        {
            var weight = convolution.weight!;                                          // [F, E, w]
            var windows = tokens.unfold(1, weight.shape[2], 1);                        // [B, T−w+1, E, w]
            windows = windows.reshape(windows.shape[0], windows.shape[1], -1);         // [B, T−w+1, E·w]
            var responses = nn.functional.linear(windows, weight.reshape(weight.shape[0], -1), convolution.bias); // [B, T−w+1, F]
            return nn.functional.relu(responses).amax(1);
        }
    }
}
