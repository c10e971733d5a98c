using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;

namespace RecSys.Models.Tests.Recall;

/// <summary>
/// The one recall contract every neural model serves through: a user vector from (history, user) and scores of given
/// items for it, agreeing with the model's own full-catalogue scores.
/// </summary>
public sealed class RecallContractTests
{
    private static readonly InteractionDataset Data = SyntheticDataset.Generate(new SyntheticOptions { Users = 120, Items = 60, Seed = 17 });
    private static readonly DataSplit Split = Splits.LeaveOneOut(Data);

    public static TheoryData<string> Models => ["gru4rec", "sasrec", "twotower", "youtubednn", "item2vec", "deepwalk", "ncf"];

    private static IArtifactModel Trained(string name)
    {
        IArtifactModel model = name switch
        {
            "gru4rec" => new Gru4RecRecommender(new Gru4RecOptions { Epochs = 1, HiddenSize = 16, EmbeddingSize = 8, Patience = 0 }),
            "sasrec" => new SasRecRecommender(new SasRecOptions { Epochs = 1, HiddenSize = 16, MaxLength = 20, Patience = 0 }),
            "twotower" => new TwoTowerRecommender(new TwoTowerOptions { Epochs = 1, Patience = 0, EmbeddingSize = 8, HiddenSize = 16, OutputSize = 8, Filters = 2, FeatureEmbeddingSize = 4 }),
            "youtubednn" => new YouTubeDnnRecommender(new YouTubeDnnOptions { Epochs = 1, Patience = 0, EmbeddingSize = 8, HiddenSize = 16, OutputSize = 8, FeatureEmbeddingSize = 4 }),
            "item2vec" => new Item2VecRecommender(new Item2VecOptions { Epochs = 1, EmbeddingSize = 8, Patience = 0 }),
            "deepwalk" => new DeepWalkRecommender(new DeepWalkOptions { Epochs = 1, EmbeddingSize = 8, Walks = 2, WalkLength = 10, Patience = 0 }),
            "ncf" => new NcfRecommender(new NcfOptions { Epochs = 1, Factors = 8, Layers = "16,8", Patience = 0 }),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        model.Fit(new UserItemMatrix(Split.UserCount, Split.ItemCount, Split.Train), new TrainingContext(Seed: 4, Device: "cpu")
        {
            TrainingInteractions = Split.Train,
            Validation = Split.Validation,
            UserInfos = Data.UserInfos,
            ItemInfos = Data.ItemInfos,
        });
        return model;
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void The_user_vector_scores_items_as_the_model_scores_the_user(string name)
    {
        var model = Trained(name);
        var histories = UserSequences.From(Split.UserCount, Split.Train).Append(Split.Validation); // what Fit scores from
        var items = Enumerable.Range(0, Split.ItemCount).ToArray();
        foreach (var user in new[] { 0, 7, 42 })
        {
            var vector = model.UserVector(histories[user], user);
            Assert.Equal(model.VectorSize, vector.Length);
            var scores = new float[items.Length];
            model.ScoreItems(vector, items, scores);

            var byVectors = items.Select(i => Enumerable.Range(0, model.VectorSize).Sum(k => (double)vector[k] * model.ItemVectors[i * model.VectorSize + k])).ToArray();
            Assert.True(byVectors.Zip(scores).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4, "ScoreItems differs from user vector · item vectors");
            if (name != "ncf") // NeuMF's vectors carry its GMF part only; its MLP is not a dot product
            {
                var full = new float[Split.ItemCount];
                model.Score(user, full);
                Assert.True(full.Zip(scores).Max(p => Math.Abs(p.First - p.Second)) <= 1e-4, $"{name}: UserVector·ItemVectors differs from Score");
            }
        }
        (model as IDisposable)?.Dispose();
    }

    [Theory]
    [InlineData("gru4rec", true)]
    [InlineData("sasrec", true)]
    [InlineData("youtubednn", true)]
    [InlineData("item2vec", true)]
    [InlineData("twotower", false)]
    [InlineData("ncf", false)]
    public void New_users_get_a_vector_from_their_history_or_a_clear_error(string name, bool historyBased)
    {
        var model = Trained(name);
        if (historyBased)
        {
            var vector = model.UserVector([3, 5, 8], user: -1);
            Assert.Equal(model.VectorSize, vector.Length);
            Assert.All(vector, v => Assert.True(float.IsFinite(v)));
        }
        else
        {
            var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.UserVector([3, 5, 8], user: -1));
            Assert.Equal("user", error.ParamName);
        }
        Assert.Throws<ArgumentException>(() => model.ScoreItems(new float[model.VectorSize + 1], [1], new float[1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.ScoreItems(new float[model.VectorSize], [Split.ItemCount], new float[1]));
        (model as IDisposable)?.Dispose();
    }
}
