namespace RecSys.Models.Recall;

/// <summary>The models <c>recsys eval</c> knows, by name, with their options.</summary>
public static class RecommenderCatalog
{
    private static readonly Dictionary<string, (Type Options, Func<IReadOnlyDictionary<string, string>, IRecommender> Create)> Models = new(StringComparer.Ordinal)
    {
        ["pop"] = (typeof(PopularityRecommenderOptions), s => new PopularityRecommender(ModelOptions.Bind(new PopularityRecommenderOptions(), s, "pop"))),
        ["itemcf"] = (typeof(ItemKnnOptions), s => new ItemKnnRecommender(ModelOptions.Bind(new ItemKnnOptions(), s, "itemcf"))),
        ["usercf"] = (typeof(UserKnnOptions), s => new UserKnnRecommender(ModelOptions.Bind(new UserKnnOptions(), s, "usercf"))),
        ["bpr"] = (typeof(BprOptions), s => new BprRecommender(ModelOptions.Bind(new BprOptions(), s, "bpr"))),
        ["als"] = (typeof(AlsOptions), s => new AlsRecommender(ModelOptions.Bind(new AlsOptions(), s, "als"))),
        ["ease"] = (typeof(EaseOptions), s => new EaseRecommender(ModelOptions.Bind(new EaseOptions(), s, "ease"))),
        ["gru4rec"] = (typeof(Gru4RecOptions), s => new Gru4RecRecommender(ModelOptions.Bind(new Gru4RecOptions(), s, "gru4rec"))),
        ["twotower"] = (typeof(TwoTowerOptions), s => new TwoTowerRecommender(ModelOptions.Bind(new TwoTowerOptions(), s, "twotower"))),
        ["youtubednn"] = (typeof(YouTubeDnnOptions), s => new YouTubeDnnRecommender(ModelOptions.Bind(new YouTubeDnnOptions(), s, "youtubednn"))),
        ["sasrec"] = (typeof(SasRecOptions), s => new SasRecRecommender(ModelOptions.Bind(new SasRecOptions(), s, "sasrec"))),
        ["ncf"] = (typeof(NcfOptions), s => new NcfRecommender(ModelOptions.Bind(new NcfOptions(), s, "ncf"))),
        ["item2vec"] = (typeof(Item2VecOptions), s => new Item2VecRecommender(ModelOptions.Bind(new Item2VecOptions(), s, "item2vec"))),
        ["deepwalk"] = (typeof(DeepWalkOptions), s => new DeepWalkRecommender(ModelOptions.Bind(new DeepWalkOptions(), s, "deepwalk"))),
    };

    public static IReadOnlyCollection<string> Names => Models.Keys;

    public static bool Contains(string name) => Models.ContainsKey(name);

    /// <summary>A new, untrained model; throws <see cref="FormatException"/> for unknown names or options.</summary>
    public static IRecommender Create(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        Models.TryGetValue(name, out var entry)
            ? entry.Create(settings ?? new Dictionary<string, string>())
            : throw new FormatException($"unknown model '{name}'; known models: {string.Join(", ", Models.Keys)}");

    /// <summary>Every model option with its default and meaning, for help text and docs.</summary>
    public static IEnumerable<(string Model, string Option, string Default, string Description)> Options()
    {
        foreach (var (model, entry) in Models)
        {
            var defaults = Activator.CreateInstance(entry.Options)!;
            foreach (var (name, description, property) in ModelOptions.Describe(entry.Options))
            {
                var value = Convert.ToString(property.GetValue(defaults), System.Globalization.CultureInfo.InvariantCulture)!.ToLowerInvariant();
                yield return (model, name, value, description);
            }
        }
    }
}
