using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

public sealed class EmbeddingModelTests : IDisposable
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 250, Items = 100, Seed = 13 });
    private static readonly DataSplit Split = Splits.RandomByUser(Data, 0.8, 0.1, 0.1, seed: 7);
    private static readonly UserItemMatrix Train = new(Split.UserCount, Split.ItemCount, Split.Train);
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-embedding-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Models => ["ncf", "item2vec", "deepwalk"];

    /// <summary>Small, fast settings; <paramref name="epochs"/> passes, no early stopping.</summary>
    private static IArtifactModel Create(string name, int epochs) => name switch
    {
        "ncf" => new NcfRecommender(new NcfOptions { Epochs = epochs, Factors = 16, Layers = "32,16,8", Patience = 0, LearningRate = 5e-3 }),
        "item2vec" => new Item2VecRecommender(new Item2VecOptions { Epochs = epochs, EmbeddingSize = 32, Patience = 0, LearningRate = 1e-2, BatchSize = 512 }),
        "deepwalk" => new DeepWalkRecommender(new DeepWalkOptions { Epochs = epochs, EmbeddingSize = 32, Walks = 4, WalkLength = 20, Patience = 0, LearningRate = 1e-2, BatchSize = 512 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TrainingContext Context(ulong seed = 3) => new(Seed: seed, Device: "cpu")
    {
        TrainingInteractions = Split.Train,
        Validation = Split.Validation,
    };

    private static UserSequences Histories => UserSequences.From(Split.UserCount, Split.Train).Append(Split.Validation);

    [Theory]
    [MemberData(nameof(Models))]
    public void One_epoch_trains_and_save_load_gives_identical_scores_and_vectors(string name)
    {
        var model = Create(name, epochs: 1);
        model.Fit(Train, Context());
        var before = Enumerable.Range(0, 5).Select(u => ScoresOf(model, u)).ToList();
        Assert.All(before, scores => Assert.All(scores, s => Assert.True(float.IsFinite(s))));
        Assert.Equal(Split.ItemCount * model.VectorSize, model.ItemVectors.Length);

        ModelArtifact.Save(_folder, model, Data);
        var (manifest, loaded, _, _) = ModelArtifact.Load(_folder);
        loaded.UseHistories(Histories);

        Assert.Equal(name, manifest.Model);
        Assert.Equal(model.VectorSize, manifest.VectorSize);
        Assert.Equal(model.ItemVectors, loaded.ItemVectors);
        Assert.Equal(model.ItemVectors, ModelArtifact.ReadItemVectors(_folder, manifest));
        for (var u = 0; u < before.Count; u++)
        {
            Assert.Equal(before[u], ScoresOf(loaded, u));
        }
        (model as IDisposable)?.Dispose();
        (loaded as IDisposable)?.Dispose();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Training_is_deterministic_for_a_seed(string name)
    {
        float[] TrainWith(ulong seed)
        {
            var model = Create(name, epochs: 1);
            model.Fit(Train, Context(seed));
            var scores = ScoresOf(model, 7);
            (model as IDisposable)?.Dispose();
            return scores;
        }

        Assert.Equal(TrainWith(9), TrainWith(9));
        Assert.NotEqual(TrainWith(9), TrainWith(10));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Beats_popularity(string name)
    {
        var evaluator = new RankingEvaluator(Split);
        var popularity = evaluator.Run(new PopularityRecommender(), Context()).Metrics["ndcg@10"];
        var model = Create(name, epochs: name == "item2vec" ? 5 : 8);

        var learned = evaluator.Run(model, Context()).Metrics["ndcg@10"];
        (model as IDisposable)?.Dispose();

        Assert.True(learned > popularity * 1.3, $"{name} ndcg@10 {learned:0.000} vs popularity {popularity:0.000}");
    }

    [Fact]
    public void Ncf_scores_per_call_equal_the_precomputed_scores()
    {
        using var model = (NcfRecommender)Create("ncf", epochs: 1);
        model.Fit(Train, Context());
        var precomputed = Enumerable.Range(0, 5).Select(u => ScoresOf(model, u)).ToList();

        model.PrecomputeLimit = 0;
        model.UseHistories(Histories);
        var perCall = new float[5][];
        Parallel.For(0, 5, u => perCall[u] = ScoresOf(model, u));

        for (var u = 0; u < 5; u++)
        {
            Assert.True(precomputed[u].Zip(perCall[u]).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5, $"user {u} scores differ");
        }
    }

    [Fact]
    public void Ncf_item_vectors_carry_the_gmf_part_of_the_logit()
    {
        using var model = (NcfRecommender)Create("ncf", epochs: 1);
        model.Fit(Train, Context());
        var d = model.VectorSize;
        var vectors = model.ItemVectors;

        for (var user = 0; user < 3; user++)
        {
            var query = model.UserVector(user);
            var scores = ScoresOf(model, user);
            for (var i = 0; i < Split.ItemCount; i++)
            {
                var gmf = Enumerable.Range(0, d).Sum(k => (double)query[k] * vectors[i * d + k]);
                Assert.Equal(scores[i], gmf + model.MlpLogit(user, i), 4);
            }
        }
    }

    [Theory]
    [InlineData("item2vec", SkipGramItemVectors.Output)]
    [InlineData("item2vec", SkipGramItemVectors.Input)]
    [InlineData("deepwalk", SkipGramItemVectors.Output)]
    [InlineData("deepwalk", SkipGramItemVectors.Input)]
    public void User_vector_is_the_recency_weighted_mean_of_the_history_item_vectors(string name, SkipGramItemVectors kind)
    {
        const double decay = 0.7;
        if (name == "item2vec")
        {
            CheckUserVectors(new Item2VecRecommender(new Item2VecOptions { Epochs = 1, EmbeddingSize = 8, Decay = decay, Patience = 0, ItemVectorKind = kind }), decay, kind);
        }
        else
        {
            CheckUserVectors(new DeepWalkRecommender(new DeepWalkOptions { Epochs = 1, EmbeddingSize = 8, Decay = decay, Walks = 2, WalkLength = 10, Patience = 0, ItemVectorKind = kind }), decay, kind);
        }
    }

    private static void CheckUserVectors<T>(SkipGramRecommender<T> model, double decay, SkipGramItemVectors kind)
        where T : SkipGramOptions
    {
        model.Fit(Train, Context());
        const int user = 11;
        var history = Histories[user];
        var d = model.VectorSize;
        var items = model.ItemVectors;
        var vectors = model.HistoryVectors;
        Assert.Equal(kind == SkipGramItemVectors.Input, ReferenceEquals(items, vectors));
        var expected = new double[d];
        double total = 0;
        for (var p = 0; p < history.Count; p++)
        {
            var weight = Math.Pow(decay, history.Count - 1 - p);                     // the last item weighs 1
            total += weight;
            for (var k = 0; k < d; k++)
            {
                expected[k] += weight * vectors[history[p] * d + k];
            }
        }
        var byHand = expected.Select(v => v / total).ToArray();

        Assert.True(history.Count >= 3);
        for (var i = 0; i < Split.ItemCount && kind == SkipGramItemVectors.Input; i++)
        {
            Assert.Equal(1, Math.Sqrt(Enumerable.Range(0, d).Sum(k => (double)vectors[i * d + k] * vectors[i * d + k])), 4);
        }
        var actual = model.UserVector(history);
        Assert.True(byHand.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5, "user vector differs from the weighted mean");
        var scores = ScoresOf(model, user);
        for (var i = 0; i < Split.ItemCount; i++)
        {
            Assert.Equal(Enumerable.Range(0, d).Sum(k => byHand[k] * items[i * d + k]), scores[i], 4);
        }
        Assert.All(model.UserVector([]), v => Assert.Equal(0, v));
        model.Dispose();
    }

    [Fact]
    public void A_user_without_history_scores_zero()
    {
        using var model = new Item2VecRecommender(new Item2VecOptions { Epochs = 1, EmbeddingSize = 8, Patience = 0 });
        model.Fit(Train, Context());
        model.UseHistories(UserSequences.From(Split.UserCount, Split.Train.Where(i => i.User != 4)));

        Assert.All(ScoresOf(model, 4), s => Assert.Equal(0, s));
        Assert.Contains(ScoresOf(model, 5), s => s != 0);
    }

    [Fact]
    public void Deepwalk_walks_only_step_along_co_occurrence_edges()
    {
        const int window = 2;
        var sequences = UserSequences.From(Split.UserCount, Split.Train);
        var edges = new Dictionary<(int, int), int>();
        for (var u = 0; u < sequences.UserCount; u++)
        {
            var s = sequences[u];
            for (var p = 0; p < s.Count; p++)
            {
                for (var q = p + 1; q <= p + window && q < s.Count; q++)
                {
                    if (s[p] != s[q])
                    {
                        edges[(s[p], s[q])] = edges.GetValueOrDefault((s[p], s[q])) + 1;
                        edges[(s[q], s[p])] = edges.GetValueOrDefault((s[q], s[p])) + 1;
                    }
                }
            }
        }

        var graph = ItemGraph.Build(sequences, Split.ItemCount, window);
        foreach (var ((a, b), count) in edges)
        {
            Assert.Equal(count, graph.Weight(a, b));
        }
        Assert.Equal(edges.Count, Enumerable.Range(0, Split.ItemCount).Sum(i => graph.Neighbours(i).Length));

        var walks = graph.Walks(3, 15, new DeterministicRandom(1)).ToList();
        var linked = Enumerable.Range(0, Split.ItemCount).Count(i => graph.Neighbours(i).Length > 0);
        Assert.Equal(3 * linked, walks.Count);
        Assert.All(walks, walk =>
        {
            Assert.Equal(15, walk.Length);
            for (var n = 1; n < walk.Length; n++)
            {
                Assert.True(edges.ContainsKey((walk[n - 1], walk[n])), $"step {walk[n - 1]} -> {walk[n]} is not an edge");
            }
        });
    }

    [Theory]
    [InlineData("ncf", "layers", "64,x", "layers must be")]
    [InlineData("ncf", "layers", "63,32", "layers must be")]
    [InlineData("ncf", "negatives", "0", "negatives must be from 1 to 1000")]
    [InlineData("item2vec", "decay", "0", "decay must be in (0, 1]")]
    [InlineData("item2vec", "window", "-1", "window must be from 0")]
    [InlineData("deepwalk", "walk_length", "1", "walk_length must be from 2 to 100000")]
    [InlineData("deepwalk", "unigram_exponent", "3", "unigram_exponent must be from -2 to 2")]
    public void Options_validation_rejects_bad_values(string model, string option, string value, string message)
    {
        var error = Assert.Throws<FormatException>(() => RecommenderCatalog.Create(model, new Dictionary<string, string> { [option] = value }));
        Assert.Contains(message, error.Message);
    }

    private static float[] ScoresOf(IRecommender model, int user)
    {
        var scores = new float[Split.ItemCount];
        model.Score(user, scores);
        return scores;
    }
}
