using System.Text.Json;
using RecSys.Models.Data;
using RecSys.Models.Recall;

namespace RecSys.Models.Artifacts;

/// <summary>What a saved model is and where it came from: <c>manifest.json</c> in the artifact folder.</summary>
public sealed record ArtifactManifest
{
    public const int CurrentFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    /// <summary>"recall" (item vectors for ANN, <see cref="ModelArtifact"/>) or "ranking" (a CTR model, <see cref="RankerArtifact"/>).</summary>
    public string Stage { get; init; } = ArtifactStages.Recall;

    /// <summary>Catalogue name, e.g. "sasrec".</summary>
    public required string Model { get; init; }

    /// <summary>Every option, as <c>--set</c> would give it, so the same network can be rebuilt.</summary>
    public required Dictionary<string, string> Options { get; init; }

    public required int Users { get; init; }

    public required int Items { get; init; }

    /// <summary>Length of each row of <c>item_vectors.f32</c> (the ANN index input).</summary>
    public required int VectorSize { get; init; }

    public required string Dataset { get; init; }

    /// <summary><see cref="InteractionDataset.Fingerprint"/> of the training data.</summary>
    public required string DataFingerprint { get; init; }

    public Dictionary<string, double> Metrics { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; } = DateTimeOffset.UtcNow;
}

/// <summary>Values of <see cref="ArtifactManifest.Stage"/>.</summary>
public static class ArtifactStages
{
    public const string Recall = "recall";
    public const string Ranking = "ranking";
}

/// <summary>A model that can be written to and read from an artifact folder.</summary>
public interface IArtifactModel : IRecommender
{
    /// <summary>Item vectors for ANN, [items × <see cref="ArtifactManifest.VectorSize"/>] row-major.</summary>
    float[] ItemVectors { get; }

    int VectorSize { get; }

    /// <summary>
    /// The ANN query of a user: <see cref="VectorSize"/> floats whose dot product with a row of
    /// <see cref="ItemVectors"/> is the model's score of that item. <paramref name="history"/> holds item indices,
    /// oldest first; <paramref name="user"/> is the user's index, or −1 for a user the model never saw (models that
    /// need a known user, such as two-tower and NeuMF, then throw <see cref="ArgumentOutOfRangeException"/>).
    /// </summary>
    float[] UserVector(IReadOnlyList<int> history, int user = -1);

    /// <summary>Writes the score of each of <paramref name="items"/> for <paramref name="userVector"/> into <paramref name="scores"/>.</summary>
    void ScoreItems(ReadOnlySpan<float> userVector, ReadOnlySpan<int> items, Span<float> scores);

    /// <summary>Writes the weights (TorchSharp format) to <paramref name="path"/>.</summary>
    void SaveWeights(string path);

    /// <summary>Builds the network for this many users and items and reads weights written by <see cref="SaveWeights"/>.</summary>
    void LoadWeights(string path, int users, int items);

    /// <summary>Prepares <see cref="IRecommender.Score"/> for users with these histories (no training).</summary>
    void UseHistories(UserSequences histories);

    /// <summary>Best validation ndcg@10 of the last training run, when it validated.</summary>
    double? BestValidationNdcg { get; }
}

/// <summary>
/// A versioned model folder: <c>manifest.json</c>, <c>weights.bin</c>, <c>items.txt</c> and <c>users.txt</c>
/// (external ids in index order) and <c>item_vectors.f32</c> (little-endian float32 rows).
/// </summary>
public static class ModelArtifact
{
    internal static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static void Save(string folder, IArtifactModel model, InteractionDataset dataset, IReadOnlyDictionary<string, double>? metrics = null)
    {
        Directory.CreateDirectory(folder);
        model.SaveWeights(Path.Combine(folder, "weights.bin"));
        File.WriteAllLines(Path.Combine(folder, "items.txt"), dataset.Items.Ids);
        File.WriteAllLines(Path.Combine(folder, "users.txt"), dataset.Users.Ids);
        using (var vectors = File.Create(Path.Combine(folder, "item_vectors.f32")))
        {
            var bytes = new byte[model.ItemVectors.Length * sizeof(float)];
            Buffer.BlockCopy(model.ItemVectors, 0, bytes, 0, bytes.Length);
            if (!BitConverter.IsLittleEndian)
            {
                throw new PlatformNotSupportedException("artifacts are little-endian");
            }
            vectors.Write(bytes);
        }
        var manifest = new ArtifactManifest
        {
            Model = model.Name,
            Options = ParseOptions(model.Describe()),
            Users = dataset.UserCount,
            Items = dataset.ItemCount,
            VectorSize = model.VectorSize,
            Dataset = dataset.Name,
            DataFingerprint = dataset.Fingerprint,
            Metrics = metrics?.ToDictionary() ?? [],
        };
        File.WriteAllText(Path.Combine(folder, "manifest.json"), JsonSerializer.Serialize(manifest, Json));
    }

    public static ArtifactManifest ReadManifest(string folder)
    {
        var path = Path.Combine(folder, "manifest.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no manifest.json in {folder}", path);
        }
        var manifest = JsonSerializer.Deserialize<ArtifactManifest>(File.ReadAllText(path), Json)
            ?? throw new InvalidDataException($"{path} is empty");
        if (manifest.Format != ArtifactManifest.CurrentFormat)
        {
            throw new InvalidDataException($"{path} has format {manifest.Format}; this build reads format {ArtifactManifest.CurrentFormat}");
        }
        return manifest;
    }

    /// <summary>Rebuilds the model from its folder; call <see cref="IArtifactModel.UseHistories"/> before scoring.</summary>
    public static (ArtifactManifest Manifest, IArtifactModel Model, IdVocabulary Users, IdVocabulary Items) Load(string folder)
    {
        var manifest = ReadManifest(folder);
        if (manifest.Stage != ArtifactStages.Recall)
        {
            throw new InvalidDataException($"{folder} holds a {manifest.Stage} model; load it with RankerArtifact.Load");
        }
        var model = RecommenderCatalog.Create(manifest.Model, manifest.Options) as IArtifactModel
            ?? throw new InvalidDataException($"model '{manifest.Model}' cannot be loaded from an artifact");
        model.LoadWeights(Path.Combine(folder, "weights.bin"), manifest.Users, manifest.Items);
        var users = new IdVocabulary(File.ReadLines(Path.Combine(folder, "users.txt")));
        var items = new IdVocabulary(File.ReadLines(Path.Combine(folder, "items.txt")));
        if (users.Count != manifest.Users || items.Count != manifest.Items)
        {
            throw new InvalidDataException($"{folder}: users.txt/items.txt do not match the manifest ({users.Count}/{items.Count} vs {manifest.Users}/{manifest.Items})");
        }
        return (manifest, model, users, items);
    }

    /// <summary>Reads item vectors written by <see cref="Save"/>.</summary>
    public static float[] ReadItemVectors(string folder, ArtifactManifest manifest)
    {
        var bytes = File.ReadAllBytes(Path.Combine(folder, "item_vectors.f32"));
        if (bytes.Length != (long)manifest.Items * manifest.VectorSize * sizeof(float))
        {
            throw new InvalidDataException($"item_vectors.f32 has {bytes.Length} bytes, expected {manifest.Items} x {manifest.VectorSize} floats");
        }
        var vectors = new float[bytes.Length / sizeof(float)];
        Buffer.BlockCopy(bytes, 0, vectors, 0, bytes.Length);
        return vectors;
    }

    /// <summary>"a=1, b=x" (as <see cref="ModelOptions.Format"/> writes it) → {a: 1, b: x}.</summary>
    internal static Dictionary<string, string> ParseOptions(string described) =>
        described.Split(", ", StringSplitOptions.RemoveEmptyEntries)
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(kv => kv[0], kv => kv[1], StringComparer.Ordinal);
}
