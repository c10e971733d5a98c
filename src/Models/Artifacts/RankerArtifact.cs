using System.Text.Json;
using RecSys.Models.Data;
using RecSys.Models.Ranking;

namespace RecSys.Models.Artifacts;

/// <summary>
/// A versioned ranking-model folder, in the style of <see cref="ModelArtifact"/>: <c>manifest.json</c> (stage
/// "ranking"), <c>weights.bin</c>, <c>feature_map.json</c> (features, vocabularies, dense scaling, tasks),
/// <c>features.json</c> (encoded users and items with their training statistics) and <c>users.txt</c>/<c>items.txt</c>
/// (external ids in index order).
/// </summary>
public static class RankerArtifact
{
    public static void Save(string folder, IRanker ranker, RankingFeatures features, InteractionDataset dataset, IReadOnlyDictionary<string, double>? metrics = null)
    {
        Directory.CreateDirectory(folder);
        ranker.Save(folder);
        features.Save(Path.Combine(folder, "features.json"));
        File.WriteAllLines(Path.Combine(folder, "items.txt"), dataset.Items.Ids);
        File.WriteAllLines(Path.Combine(folder, "users.txt"), dataset.Users.Ids);
        var manifest = new ArtifactManifest
        {
            Stage = ArtifactStages.Ranking,
            Model = ranker.Name,
            Options = ModelArtifact.ParseOptions(ranker.Describe()),
            Users = dataset.UserCount,
            Items = dataset.ItemCount,
            VectorSize = 0,
            Dataset = dataset.Name,
            DataFingerprint = dataset.Fingerprint,
            Metrics = metrics?.ToDictionary() ?? [],
        };
        File.WriteAllText(Path.Combine(folder, "manifest.json"), JsonSerializer.Serialize(manifest, ModelArtifact.Json));
    }

    /// <summary>Rebuilds the ranker, its features and the id vocabularies from a folder written by <see cref="Save"/>.</summary>
    public static (ArtifactManifest Manifest, IRanker Ranker, RankingFeatures Features, IdVocabulary Users, IdVocabulary Items) Load(string folder, string device = "auto")
    {
        var manifest = ModelArtifact.ReadManifest(folder);
        if (manifest.Stage != ArtifactStages.Ranking)
        {
            throw new InvalidDataException($"{folder} holds a {manifest.Stage} model, not a ranker");
        }
        var ranker = RankerCatalog.Create(manifest.Model, manifest.Options);
        ranker.Load(folder, device);
        var features = RankingFeatures.Load(Path.Combine(folder, "features.json"), ranker.FeatureMap);
        var users = new IdVocabulary(File.ReadLines(Path.Combine(folder, "users.txt")));
        var items = new IdVocabulary(File.ReadLines(Path.Combine(folder, "items.txt")));
        if (users.Count != manifest.Users || items.Count != manifest.Items || features.Users.Count != users.Count || features.Items.Count != items.Count)
        {
            throw new InvalidDataException($"{folder}: users.txt/items.txt/features.json do not match the manifest ({manifest.Users} users, {manifest.Items} items)");
        }
        return (manifest, ranker, features, users, items);
    }
}
