using RecSys.Models.Training;

namespace RecSys.Models.Recall.Session;

/// <summary>
/// The models <c>recsys eval --protocol session</c> knows, by name, with their options (<c>--set vsknn.k=50</c>).
/// gru4rec and sasrec take the same options records as in <see cref="RecommenderCatalog"/>, with the same defaults.
/// </summary>
public static class SessionModelCatalog
{
    private static readonly Dictionary<string, (object Defaults, string Summary, Func<IReadOnlyDictionary<string, string>, ISessionModel> Create)> Models = new(StringComparer.Ordinal)
    {
        ["pop"] = (new NoOptions(), "popularity in the training sessions (the reference script's pop)",
            s => Built("pop", new NoOptions(), s, (_, d) => SessionPopularityModel.Build(d.Sessions, d.ItemCount))),
        ["spop"] = (new NoOptions(), "S-POP: the prefix's items by count, then popularity (session-rec's SessionPop)",
            s => Built("spop", new NoOptions(), s, (_, d) => InSessionPopularityModel.Build(d.Sessions, d.ItemCount))),
        ["ar"] = (new AssociationRulesOptions(), "association rules: co-occurrence in a session, from the last item",
            s => Built("ar", new AssociationRulesOptions(), s, (o, d) => AssociationRulesModel.Build(d.Sessions, d.ItemCount, o))),
        ["sr"] = (new SequentialRulesOptions(), "sequential rules: b within 10 steps after a, weight 1/gap, from the last item",
            s => Built("sr", new SequentialRulesOptions(), s, (o, d) => SequentialRulesModel.Build(d.Sessions, d.ItemCount, o))),
        ["sknn"] = (new SessionKnnOptions(), "session kNN: binary cosine to the 500 most recent sessions sharing an item",
            s => Built("sknn", new SessionKnnOptions(), s, (o, d) => SessionKnnModel.Build(d.Sessions, d.ItemCount, o, [.. d.StartTimes]))),
        ["vsknn"] = (new SessionKnnOptions { Weighting = PrefixWeighting.Linear }, "V-SKNN: session kNN with prefix items weighted by position",
            s => Built("vsknn", new SessionKnnOptions { Weighting = PrefixWeighting.Linear }, s, (o, d) => SessionKnnModel.Build(d.Sessions, d.ItemCount, o, [.. d.StartTimes]))),
        ["gru4rec"] = (new Gru4RecOptions(), "GRU4Rec, one sequence per training session",
            s => new NeuralSessionModel("gru4rec", ModelOptions.Bind(new Gru4RecOptions(), s, "gru4rec"), o => new Gru4RecRecommender((Gru4RecOptions)o))),
        ["sasrec"] = (new SasRecOptions(), "SASRec, one sequence per training session",
            s => new NeuralSessionModel("sasrec", ModelOptions.Bind(new SasRecOptions(), s, "sasrec"), o => new SasRecRecommender((SasRecOptions)o))),
    };

    /// <summary>The baselines (fast, no training loop), in report order.</summary>
    public static IReadOnlyList<string> Baselines { get; } = ["pop", "spop", "ar", "sr", "sknn", "vsknn"];

    public static IReadOnlyCollection<string> Names => Models.Keys;

    public static bool Contains(string name) => Models.ContainsKey(name);

    /// <summary>A new, untrained model; throws <see cref="FormatException"/> for unknown names or options.</summary>
    public static ISessionModel Create(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        Models.TryGetValue(name, out var entry)
            ? entry.Create(settings ?? new Dictionary<string, string>())
            : throw new FormatException($"unknown session model '{name}'; known session models: {string.Join(", ", Models.Keys)}");

    /// <summary>One line per model saying what it is.</summary>
    public static string Summary(string name) => Models[name].Summary;

    /// <summary>Every model option with its default and meaning, for help text and docs.</summary>
    public static IEnumerable<(string Model, string Option, string Default, string Description)> Options()
    {
        foreach (var (model, entry) in Models)
        {
            foreach (var (name, description, property) in ModelOptions.Describe(entry.Defaults.GetType()))
            {
                var value = Convert.ToString(property.GetValue(entry.Defaults), System.Globalization.CultureInfo.InvariantCulture)!.ToLowerInvariant();
                yield return (model, name, value, description);
            }
        }
    }

    private static BuiltSessionModel Built<T>(string name, T defaults, IReadOnlyDictionary<string, string> settings, Func<T, SessionData, ISessionRecommender> build)
        where T : class
    {
        var options = ModelOptions.Bind(defaults, settings, name);
        return new BuiltSessionModel(name, options, data => build(options, data));
    }
}
