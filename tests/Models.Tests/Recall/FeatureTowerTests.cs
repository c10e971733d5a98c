using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;
using RecSys.Models.Training;
using static TorchSharp.torch;

namespace RecSys.Models.Tests.Recall;

public sealed class FeatureTowerTests : IDisposable
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 250, Items = 100, Seed = 13 });
    private static readonly DataSplit Split = Splits.RandomByUser(Data, 0.8, 0.1, 0.1, seed: 5);
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-towers-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    public static TheoryData<string> Models => ["twotower", "youtubednn"];

    private static IArtifactModel Create(string name, int epochs, int patience = 0) => name switch
    {
        "twotower" => new TwoTowerRecommender(new TwoTowerOptions { Epochs = epochs, Patience = patience, BatchSize = 128, EmbeddingSize = 16, HiddenSize = 32, OutputSize = 16, Filters = 4, FeatureEmbeddingSize = 4, LearningRate = 5e-3 }),
        "youtubednn" => new YouTubeDnnRecommender(new YouTubeDnnOptions { Epochs = epochs, Patience = patience, BatchSize = 128, EmbeddingSize = 32, HiddenSize = 64, OutputSize = 32, FeatureEmbeddingSize = 4, LearningRate = 5e-3, Dropout = 0.3, Context = HistoryContext.All }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TrainingContext Context(ulong seed = 3) => new(Seed: seed, Device: "cpu")
    {
        TrainingInteractions = Split.Train,
        Validation = Split.Validation,
        UserInfos = Data.UserInfos,
        ItemInfos = Data.ItemInfos,
    };

    private static UserItemMatrix Train => new(Split.UserCount, Split.ItemCount, Split.Train);

    private static float[] ScoresOf(IRecommender model, int user)
    {
        var scores = new float[Data.ItemCount];
        model.Score(user, scores);
        return scores;
    }

    [Fact]
    public void Titles_tokenise_without_the_year_and_ages_fall_in_movielens_buckets()
    {
        Assert.Equal(["toy", "story"], SideFeatures.Tokenize("Toy Story (1995)"));
        Assert.Equal(["city", "of", "lost", "children", "the", "cité", "des", "enfants", "perdus", "la"],
            SideFeatures.Tokenize("City of Lost Children, The (Cité des enfants perdus, La) (1995)"));
        Assert.Empty(SideFeatures.Tokenize(""));
        Assert.Equal([0, 1, 2, 2, 3, 7, 7], new int?[] { null, 7, 18, 24, 25, 56, 80 }.Select(SideFeatures.AgeBucket));
    }

    [Fact]
    public void Unknown_and_missing_metadata_encode_as_zero()
    {
        UserInfo[] users = [new("a", 30, "F", "writer"), new("b")];
        ItemInfo[] items = [new("x", "Heat (1995)", ["Action", "Crime"], []), new("y", "", [], [])];
        var features = SideFeatures.Build(2, 2, users, items);

        Assert.Equal([1, 0], features.UserGender);
        Assert.Equal([3, 0], features.UserAge);
        Assert.Equal([1, 0], features.UserOccupation);
        Assert.Equal([1, 2], features.ItemGenres[0]);
        Assert.Equal([0], features.ItemGenres[1]);
        Assert.Equal([1], features.ItemTitle[0]);
        Assert.Equal([0], features.ItemTitle[1]);
        Assert.Equal((0, 0, 0), features.Encoder().User(new UserInfo("c", null, "X", "astronaut")));
        Assert.Equal([0], features.Encoder().Item(new ItemInfo("z", "Unseen Words", ["Western"], [])).Title.Distinct());

        var none = SideFeatures.Build(3, 2, [], []);
        Assert.All(none.UserGender.Concat(none.UserAge).Concat(none.UserOccupation), v => Assert.Equal(0, v));
        Assert.Throws<ArgumentException>(() => SideFeatures.Build(3, 2, users, items));
    }

    [Fact]
    public void In_batch_softmax_matches_the_hand_computed_loss_and_masks_accidental_hits()
    {
        var softmax = new SampledSoftmax(new TwoTowerOptions { LogQCorrection = 0 }, [1, 1, 1]);
        using var scope = NewDisposeScope();
        var users = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);
        var items = tensor(new float[] { 1, 0, 0, 1 }, [2, 2]);

        // logits = identity: each row is -log(e / (e + 1)).
        var loss = softmax.Loss(users, items, [0, 1], null, [], temperature: 1).item<float>();
        Assert.Equal(Math.Log(1 + Math.Exp(-1)), loss, 5);

        // The same item twice in a batch is not its own negative: both rows see only themselves.
        var duplicate = softmax.Loss(users, items, [2, 2], null, [], temperature: 1).item<float>();
        Assert.Equal(0, duplicate, 5);

        // log-Q correction: a column of a more frequent item is pushed down, so the loss changes.
        var corrected = new SampledSoftmax(new TwoTowerOptions { LogQCorrection = 1 }, [9, 1, 1]);
        var skewed = corrected.Loss(users, items, [0, 1], null, [], temperature: 1).item<float>();
        Assert.NotEqual(loss, skewed, 3);
    }

    [Theory]
    [InlineData(NegativeSampling.Uniform)]
    [InlineData(NegativeSampling.Popularity)]
    public void Sampled_negatives_follow_the_sampler(NegativeSampling sampling)
    {
        var softmax = new SampledSoftmax(new TwoTowerOptions { Sampling = sampling, Negatives = 4000, PopularityExponent = 1 }, [0, 30, 10]);
        var negatives = softmax.SampleNegatives(new DeterministicRandom(1));

        Assert.Equal(4000, negatives.Length);
        var share = negatives.Count(n => n == 1) / 4000.0;
        if (sampling == NegativeSampling.Uniform)
        {
            Assert.InRange(negatives.Count(n => n == 0) / 4000.0, 0.30, 0.37);
        }
        else
        {
            Assert.DoesNotContain(0L, negatives);                 // never trained: never proposed
            Assert.InRange(share, 0.72, 0.78);                    // 30 / 40
        }
        Assert.Empty(new SampledSoftmax(new TwoTowerOptions(), [1, 2]).SampleNegatives(new DeterministicRandom(1)));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void One_epoch_trains_and_save_load_gives_identical_scores(string name)
    {
        var model = Create(name, epochs: 1);
        model.Fit(Train, Context());
        var before = Enumerable.Range(0, 5).Select(u => ScoresOf(model, u)).ToList();
        Assert.All(before, scores => Assert.All(scores, s => Assert.True(float.IsFinite(s))));

        ModelArtifact.Save(_folder, model, Data);
        var (manifest, loaded, _, _) = ModelArtifact.Load(_folder);
        loaded.UseHistories(UserSequences.From(Data.UserCount, Split.Train).Append(Split.Validation));

        Assert.Equal(name, manifest.Model);
        Assert.True(File.Exists(Path.Combine(_folder, "weights.features.json")));
        Assert.Equal(model.ItemVectors, ModelArtifact.ReadItemVectors(_folder, manifest));
        Assert.Equal(model.ItemVectors, loaded.ItemVectors);
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
        float[] Run(ulong seed)
        {
            var model = Create(name, epochs: 2);
            model.Fit(Train, Context(seed));
            var scores = ScoresOf(model, 7);
            (model as IDisposable)?.Dispose();
            return scores;
        }

        Assert.Equal(Run(9), Run(9));
        Assert.NotEqual(Run(9), Run(10));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Towers_learn_what_popularity_cannot(string name)
    {
        var evaluator = new RankingEvaluator(Split);
        var popularity = evaluator.Run(new PopularityRecommender(), Context()).Metrics["ndcg@10"];
        var model = Create(name, epochs: 20, patience: 5);

        var learned = evaluator.Run(model, Context()).Metrics["ndcg@10"];
        (model as IDisposable)?.Dispose();

        Assert.True(learned > popularity * 1.3, $"{name} ndcg@10 {learned:0.000} vs popularity {popularity:0.000}");
    }

    [Fact]
    public void The_youtube_user_vector_follows_the_history()
    {
        using var model = (YouTubeDnnRecommender)Create("youtubednn", epochs: 2);
        model.Fit(Train, Context());

        var some = model.Encode([1, 2, 3], user: 0);
        var reordered = model.Encode([3, 2, 1], user: 0);
        Assert.True(some.Zip(reordered).Max(p => Math.Abs(p.First - p.Second)) < 1e-5, "a mean: order does not matter");
        Assert.True(some.Zip(model.Encode([4, 5], user: 0)).Max(p => Math.Abs(p.First - p.Second)) > 1e-3, "other items, other vector");
        Assert.Equal(model.VectorSize, some.Length);
    }

    [Theory]
    [InlineData("twotower", "temperature", "0")]
    [InlineData("twotower", "sampling", "sometimes")]
    [InlineData("youtubednn", "negatives", "0")]
    [InlineData("youtubednn", "context", "future")]
    public void Bad_options_are_rejected(string model, string option, string value) =>
        Assert.ThrowsAny<Exception>(() => RecommenderCatalog.Create(model, new Dictionary<string, string> { [option] = value }));
}
