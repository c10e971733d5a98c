using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

public sealed class SequenceModelTests : IDisposable
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 250, Items = 100, Seed = 13 });
    private static readonly DataSplit Split = Splits.LeaveOneOut(Data);
    private readonly string _folder = Directory.CreateTempSubdirectory("recsys-artifact-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static IArtifactModel Create(string name, int epochs) => name switch
    {
        "gru4rec" => new Gru4RecRecommender(new Gru4RecOptions { Epochs = epochs, HiddenSize = 32, EmbeddingSize = 16, Patience = 0 }),
        "sasrec" => new SasRecRecommender(new SasRecOptions { Epochs = epochs, HiddenSize = 32, MaxLength = 20, Patience = 0 }),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    private static TrainingContext Context(ulong seed = 3) => new(Seed: seed, Device: "cpu")
    {
        TrainingInteractions = Split.Train,
        Validation = Split.Validation,
    };

    public static TheoryData<string> Models => ["gru4rec", "sasrec"];

    [Fact]
    public void Advancing_the_gru_state_item_by_item_equals_reading_the_whole_sequence()
    {
        using var model = new Gru4RecRecommender(new Gru4RecOptions { Epochs = 1, HiddenSize = 24, EmbeddingSize = 12, Patience = 0 });
        model.Fit(new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train), Context());
        var sequence = new[] { 5, 17, 3, 3, 42, 8, 60, 1 };

        var whole = model.Encode(sequence);
        var stepped = new float[model.StateSize];
        foreach (var item in sequence)
        {
            stepped = model.Step(stepped, item);
        }

        Assert.Equal(model.StateSize, whole.Length);
        Assert.True(whole.Zip(stepped).Max(p => Math.Abs(p.First - p.Second)) <= 1e-5, "stepped state differs from the whole-sequence state");
        Assert.Contains(whole, v => v != 0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void One_epoch_trains_and_save_load_gives_identical_scores(string name)
    {
        var model = Create(name, epochs: 1);
        var train = new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train);
        model.Fit(train, Context());
        var before = Enumerable.Range(0, 5).Select(u => ScoresOf(model, u)).ToList();
        Assert.All(before, scores => Assert.All(scores, s => Assert.True(float.IsFinite(s))));

        ModelArtifact.Save(_folder, model, Data, new Dictionary<string, double> { ["ndcg@10"] = 0.5 });
        var (manifest, loaded, users, items) = ModelArtifact.Load(_folder);
        loaded.UseHistories(UserSequences.From(Data.UserCount, Split.Train).Append(Split.Validation));
        var after = Enumerable.Range(0, 5).Select(u => ScoresOf(loaded, u)).ToList();

        Assert.Equal(name, manifest.Model);
        Assert.Equal(Data.Fingerprint, manifest.DataFingerprint);
        Assert.Equal(0.5, manifest.Metrics["ndcg@10"]);
        Assert.Equal(Data.Items.Ids, items.Ids);
        Assert.Equal(Data.Users.Ids, users.Ids);
        Assert.Equal(model.ItemVectors, ModelArtifact.ReadItemVectors(_folder, manifest));
        for (var u = 0; u < before.Count; u++)
        {
            Assert.Equal(before[u], after[u]);
        }
        (model as IDisposable)?.Dispose();
        (loaded as IDisposable)?.Dispose();
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Training_is_deterministic_for_a_seed(string name)
    {
        float[] Train(ulong seed)
        {
            var model = Create(name, epochs: 2);
            model.Fit(new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train), Context(seed));
            var scores = ScoresOf(model, 7);
            (model as IDisposable)?.Dispose();
            return scores;
        }

        Assert.Equal(Train(9), Train(9));
        Assert.NotEqual(Train(9), Train(10));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Sequence_models_learn_the_order_popularity_cannot(string name)
    {
        var evaluator = new RankingEvaluator(Split);
        var popularity = evaluator.Run(new PopularityRecommender(), Context()).Metrics["ndcg@10"];
        var model = name == "gru4rec"
            ? (IRecommender)new Gru4RecRecommender(new Gru4RecOptions { Epochs = 15, HiddenSize = 48, EmbeddingSize = 32, Patience = 0, LearningRate = 5e-3 })
            : new SasRecRecommender(new SasRecOptions { Epochs = 60, HiddenSize = 32, MaxLength = 20, Patience = 0, LearningRate = 5e-3 });

        var learned = evaluator.Run(model, Context()).Metrics["ndcg@10"];
        (model as IDisposable)?.Dispose();

        Assert.True(learned > popularity * 1.5, $"{name} ndcg@10 {learned:0.000} vs popularity {popularity:0.000}");
    }

    [Fact]
    public void Models_train_only_on_interactions_before_the_held_out_ones()
    {
        var recorder = new RecordingModel();
        new RankingEvaluator(Split).Run(recorder, new TrainingContext());

        var heldOut = Split.Validation.Concat(Split.Test).ToHashSet();
        Assert.NotEmpty(recorder.Training);
        Assert.DoesNotContain(recorder.Training, heldOut.Contains);
        Assert.Equal(Split.Validation, recorder.Validation);
        var lastTraining = recorder.Training.GroupBy(i => i.User).ToDictionary(g => g.Key, g => g.Max(i => i.Timestamp));
        Assert.All(Split.Test, t => Assert.True(lastTraining.GetValueOrDefault(t.User, long.MinValue) <= t.Timestamp));
    }

    [Fact]
    public void Early_stopping_keeps_the_best_validated_weights()
    {
        using var model = new Gru4RecRecommender(new Gru4RecOptions { Epochs = 40, HiddenSize = 16, EmbeddingSize = 8, Patience = 2, LearningRate = 2e-2 });

        model.Fit(new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train), Context());

        Assert.NotNull(model.BestValidationNdcg);
        Assert.InRange(model.EpochsRun, 3, 40);
    }

    [Fact]
    public void Bpr_max_stays_finite_when_the_tail_of_an_epoch_has_one_sequence_left()
    {
        using var model = new Gru4RecRecommender(new Gru4RecOptions { Epochs = 2, HiddenSize = 16, EmbeddingSize = 8, Patience = 0, Loss = Gru4RecLoss.BprMax });

        model.Fit(new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train), Context());

        Assert.All(ScoresOf(model, 3), s => Assert.True(float.IsFinite(s)));
    }

    private static float[] ScoresOf(IRecommender model, int user)
    {
        var scores = new float[Split.ItemCount];
        model.Score(user, scores);
        return scores;
    }

    private sealed class RecordingModel : IRecommender
    {
        public IReadOnlyList<Interaction> Training { get; private set; } = [];

        public IReadOnlyList<Interaction> Validation { get; private set; } = [];

        public string Name => "recording";

        public string Describe() => "";

        public void Fit(UserItemMatrix train, TrainingContext context)
        {
            Training = context.TrainingInteractions;
            Validation = context.Validation;
        }

        public void Score(int user, Span<float> scores) => scores.Clear();
    }
}
