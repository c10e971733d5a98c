using System.Text.Json;
using System.Text.Json.Serialization;

namespace RecSys.Models.Ranking;

/// <summary>How a sequence feature becomes one field of the embedding stack.</summary>
public enum SequencePooling
{
    /// <summary>Masked mean of the element embeddings (an empty sequence gives zeros).</summary>
    Mean,

    /// <summary>Not pooled: only the raw [B, L, D] embeddings and mask are given to the model (e.g. DIN attention).</summary>
    None,
}

/// <summary>
/// One declared input of a ranking model (DeepCTR's SparseFeat/DenseFeat/VarLenSparseFeat). Ids are dense and 0 means
/// padding, unknown or none: its embedding row is kept at zero.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(SparseFeature), "sparse")]
[JsonDerivedType(typeof(DenseFeature), "dense")]
[JsonDerivedType(typeof(SequenceFeature), "sequence")]
public abstract record FeatureSpec(string Name);

/// <summary>A categorical id in [0, <paramref name="Vocabulary"/>).</summary>
/// <param name="EmbeddingSize">Its own embedding size, or null for the model's (fields stacked as [B, F, D] need one size).</param>
/// <param name="SharedEmbedding">Name of the table it shares (e.g. user_top_genre_1 uses item_genres' "genre"), or null for its own.</param>
public sealed record SparseFeature(string Name, int Vocabulary, int? EmbeddingSize = null, string? SharedEmbedding = null) : FeatureSpec(Name)
{
    [JsonIgnore]
    public string Table => SharedEmbedding ?? Name;
}

/// <summary>A real value, standardised as (x − <paramref name="Mean"/>) / <paramref name="Std"/> when batched.</summary>
public sealed record DenseFeature(string Name, float Mean = 0, float Std = 1) : FeatureSpec(Name);

/// <summary>A variable-length list of ids (padded to <paramref name="MaxLength"/>, most recent last for histories).</summary>
public sealed record SequenceFeature(
    string Name,
    int Vocabulary,
    int MaxLength,
    string? SharedEmbedding = null,
    SequencePooling Pooling = SequencePooling.Mean,
    int? EmbeddingSize = null) : FeatureSpec(Name)
{
    [JsonIgnore]
    public string Table => SharedEmbedding ?? Name;
}

/// <summary>The feature names <see cref="RankingFeatures"/> knows how to compute.</summary>
public static class FeatureNames
{
    public const string UserId = "user_id";
    public const string ItemId = "item_id";
    public const string Gender = "gender";
    public const string Age = "age";
    public const string Occupation = "occupation";
    public const string Year = "year";
    public const string Hour = "hour";
    public const string Weekday = "weekday";
    public const string UserTopGenre = "user_top_genre_"; // + 1, 2, 3
    public const string ItemGenres = "item_genres";
    public const string TitleTokens = "title_tokens";
    public const string HistoryItemId = "hist_item_id";
    public const string LikedHistoryItemId = "hist_liked_item_id";
    public const string DislikedHistoryItemId = "hist_disliked_item_id";
    /// <summary>The score the recall stage gave the candidate (rankers trained on impressions; every request must carry it).</summary>
    public const string RecallScore = "recall_score";

    /// <summary>log(1 + the candidate's 0-based position in the recall list).</summary>
    public const string RecallLogRank = "recall_log_rank";
    public const string UserMeanRating = "user_mean_rating";
    public const string UserRatingVariance = "user_rating_variance";
    public const string UserActivity = "user_log_count";
    public const string ItemPopularity = "item_log_count";
    public const string ItemMeanRating = "item_mean_rating";

    /// <summary>Table shared by item_genres and the user's top genres.</summary>
    public const string GenreTable = "genre";
}

/// <summary>Which features <see cref="FeatureMap.Build"/> declares. Every default lives here.</summary>
public sealed record FeatureMapOptions
{
    /// <summary>(int) Most recent history items kept for hist_item_id (DIN's behaviour sequence).</summary>
    public int HistoryLength { get; init; } = 50;

    /// <summary>(bool) Pool hist_item_id by mean into the field stack too (false: raw for attention models only).</summary>
    public bool PoolHistory { get; init; } = true;

    /// <summary>
    /// (bool) hist_liked_item_id: the most recent earlier items the user liked (rated at least the like threshold;
    /// "like" events when serving), mean-pooled and sharing item_id's table. Which items a user liked says more about
    /// the next like than which items they saw. With it comes hist_disliked_item_id, the earlier items rated below
    /// the threshold, so a model can tell the two apart.
    /// </summary>
    public bool LikedHistory { get; init; } = true;

    /// <summary>(bool) Hour of day and weekday of the event.</summary>
    public bool Context { get; init; } = true;

    /// <summary>(bool) User and item statistics (dense) and the user's top-3 genres (sparse).</summary>
    public bool Statistics { get; init; } = true;

    /// <summary>(bool) Title tokens as a mean-pooled sequence.</summary>
    public bool Title { get; init; } = true;

    /// <summary>(int) Most genres kept per item.</summary>
    public int MaxGenres { get; init; } = 6;

    /// <summary>
    /// (bool) The user's id, top genres and rating statistics. Off for a ranker that also serves anonymous sessions
    /// (they have none of these), so it learns from what every request has: the items, the history and the recall
    /// stage's candidate features.
    /// </summary>
    public bool UserFeatures { get; init; } = true;
}

/// <summary>
/// The ordered features of a ranking model and the vocabularies behind their ids: what a trained model needs to
/// encode new examples exactly as in training. Saved as JSON beside the weights.
/// </summary>
public sealed record FeatureMap
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>In order: sparse and pooled sequence features become fields in this order; dense ones columns.</summary>
    public required IReadOnlyList<FeatureSpec> Features { get; init; }

    /// <summary>Names of the label columns; task 0 is click/engagement (early stopping watches it).</summary>
    public required IReadOnlyList<string> Tasks { get; init; }

    public required int Users { get; init; }

    public required int Items { get; init; }

    public string[] Genders { get; init; } = [];

    public string[] Occupations { get; init; } = [];

    public string[] Genres { get; init; } = [];

    public string[] TitleTokens { get; init; } = [];

    /// <summary>Mean and variance of all training ratings: the prior the statistics shrink towards.</summary>
    public StatisticsPrior Prior { get; init; } = new(0, 1);

    [JsonIgnore]
    public IReadOnlyList<SparseFeature> Sparse => [.. Features.OfType<SparseFeature>()];

    [JsonIgnore]
    public IReadOnlyList<DenseFeature> Dense => [.. Features.OfType<DenseFeature>()];

    [JsonIgnore]
    public IReadOnlyList<SequenceFeature> Sequences => [.. Features.OfType<SequenceFeature>()];

    /// <summary>Embedding tables by name with their row count (the largest vocabulary of the features sharing it).</summary>
    [JsonIgnore]
    public IReadOnlyList<(string Table, int Rows)> Tables =>
    [
        .. Features.Select(f => f switch
            {
                SparseFeature s => (s.Table, s.Vocabulary),
                SequenceFeature q => (q.Table, q.Vocabulary),
                _ => (Table: "", Vocabulary: 0),
            })
            .Where(t => t.Table.Length > 0)
            .GroupBy(t => t.Table, StringComparer.Ordinal)
            .Select(g => (g.Key, g.Max(t => t.Vocabulary))),
    ];

    public FeatureSpec this[string name] =>
        Features.FirstOrDefault(f => f.Name == name) ?? throw new KeyNotFoundException($"no feature '{name}'");

    public bool Contains(string name) => Features.Any(f => f.Name == name);

    /// <summary>The candidate features of the recall stage this map reads (<see cref="Pipeline.CandidateFeatures"/>), in map order.</summary>
    [JsonIgnore]
    public IReadOnlyList<string> CandidateFeatureNames => [.. Features.OfType<DenseFeature>().Select(f => f.Name).Where(Pipeline.CandidateFeatures.IsCandidateFeature)];

    /// <summary>
    /// The default MovieLens-like schema: user_id, item_id, gender, age bucket, occupation, year bucket, hour, weekday,
    /// the user's top-3 genres (sharing the genre table), item genres and title tokens (mean-pooled sequences),
    /// hist_item_id, hist_liked_item_id and hist_disliked_item_id (sharing item_id's table), and dense user/item statistics. Vocabularies come from the catalogue
    /// metadata (<paramref name="vocabularies"/>); nothing here reads interactions.
    /// </summary>
    public static FeatureMap Build(FeatureMapOptions options, int users, int items, Data.SideFeatures vocabularies, IReadOnlyList<string> tasks, StatisticsPrior prior)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.HistoryLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxGenres);
        var genres = vocabularies.GenreVocabulary;
        var features = new List<FeatureSpec>();
        if (options.UserFeatures)
        {
            features.Add(new SparseFeature(FeatureNames.UserId, users + 1));
        }
        features.AddRange(
        [
            new SparseFeature(FeatureNames.ItemId, items + 1),
            new SparseFeature(FeatureNames.Gender, vocabularies.GenderVocabulary),
            new SparseFeature(FeatureNames.Age, vocabularies.AgeVocabulary),
            new SparseFeature(FeatureNames.Occupation, vocabularies.OccupationVocabulary),
            new SparseFeature(FeatureNames.Year, YearBuckets.Vocabulary),
        ]);
        if (options.Context)
        {
            features.Add(new SparseFeature(FeatureNames.Hour, 25));
            features.Add(new SparseFeature(FeatureNames.Weekday, 8));
        }
        if (options.Statistics && options.UserFeatures)
        {
            for (var k = 1; k <= UserStatistics.TopCategories; k++)
            {
                features.Add(new SparseFeature(FeatureNames.UserTopGenre + k, genres, SharedEmbedding: FeatureNames.GenreTable));
            }
        }
        features.Add(new SequenceFeature(FeatureNames.ItemGenres, genres, options.MaxGenres, FeatureNames.GenreTable));
        if (options.Title)
        {
            features.Add(new SequenceFeature(FeatureNames.TitleTokens, vocabularies.TokenVocabulary, Data.SideFeatures.MaxTitleTokens));
        }
        features.Add(new SequenceFeature(
            FeatureNames.HistoryItemId, items + 1, options.HistoryLength, FeatureNames.ItemId, options.PoolHistory ? SequencePooling.Mean : SequencePooling.None));
        if (options.LikedHistory)
        {
            features.Add(new SequenceFeature(FeatureNames.LikedHistoryItemId, items + 1, options.HistoryLength, FeatureNames.ItemId));
            features.Add(new SequenceFeature(FeatureNames.DislikedHistoryItemId, items + 1, options.HistoryLength, FeatureNames.ItemId));
        }
        if (options.Statistics)
        {
            if (options.UserFeatures)
            {
                features.Add(new DenseFeature(FeatureNames.UserMeanRating));
                features.Add(new DenseFeature(FeatureNames.UserRatingVariance));
                features.Add(new DenseFeature(FeatureNames.UserActivity));
            }
            features.Add(new DenseFeature(FeatureNames.ItemPopularity));
            features.Add(new DenseFeature(FeatureNames.ItemMeanRating));
        }

        return new FeatureMap
        {
            Features = features,
            Tasks = tasks,
            Users = users,
            Items = items,
            Genders = vocabularies.Genders,
            Occupations = vocabularies.Occupations,
            Genres = vocabularies.Genres,
            TitleTokens = vocabularies.TitleTokens,
            Prior = prior,
        };
    }

    /// <summary>This map with every dense feature's mean and standard deviation taken from <paramref name="training"/>.</summary>
    public FeatureMap WithDenseScaling(CtrDataset training)
    {
        var dense = Dense;
        var scaled = new Dictionary<string, DenseFeature>(StringComparer.Ordinal);
        for (var c = 0; c < dense.Count; c++)
        {
            double sum = 0, squares = 0;
            for (var n = 0; n < training.Count; n++)
            {
                double x = training.Dense[n * dense.Count + c];
                sum += x;
                squares += x * x;
            }
            var mean = training.Count == 0 ? 0 : sum / training.Count;
            var variance = training.Count == 0 ? 1 : Math.Max(0, squares / training.Count - mean * mean);
            var std = variance > 1e-12 ? Math.Sqrt(variance) : 1;
            scaled[dense[c].Name] = dense[c] with { Mean = (float)mean, Std = (float)std };
        }
        return this with { Features = [.. Features.Select(f => f is DenseFeature d ? scaled[d.Name] : f)] };
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static FeatureMap FromJson(string json) =>
        JsonSerializer.Deserialize<FeatureMap>(json, Json) ?? throw new InvalidDataException("empty feature map");

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static FeatureMap Load(string path) => FromJson(File.ReadAllText(path));
}

/// <summary>Release years in buckets: 0 unknown, then before 1950, each decade to the 1980s, 1990–94, 1995–99, 2000s, 2010s, 2020 on.</summary>
public static class YearBuckets
{
    private static readonly int[] Bounds = [1950, 1960, 1970, 1980, 1990, 1995, 2000, 2010, 2020];

    public static int Vocabulary => Bounds.Length + 2;

    public static int Of(int? year)
    {
        if (year is not { } y || y <= 0)
        {
            return 0;
        }
        var bucket = 0;
        while (bucket < Bounds.Length && y >= Bounds[bucket])
        {
            bucket++;
        }
        return bucket + 1;
    }
}
