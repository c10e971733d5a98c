using System.Globalization;
using RecSys.Models.Recall;

namespace RecSys.Models.Ranking;

/// <summary>The rankers <c>recsys eval --protocol ctr</c> and <c>recsys train</c> know, by name, with their options.</summary>
public static class RankerCatalog
{
    private static readonly Dictionary<string, (Type Options, Func<IReadOnlyDictionary<string, string>, IRanker> Create)> Models = new(StringComparer.Ordinal)
    {
        ["lr"] = (typeof(LogisticRegressionOptions), s => new LogisticRegression(ModelOptions.Bind(new LogisticRegressionOptions(), s, "lr"))),
        ["fm"] = (typeof(FactorizationMachineOptions), s => new FactorizationMachineRanker(ModelOptions.Bind(new FactorizationMachineOptions(), s, "fm"))),
    };

    public static IReadOnlyCollection<string> Names => Models.Keys;

    public static bool Contains(string name) => Models.ContainsKey(name);

    /// <summary>A new, untrained ranker; throws <see cref="FormatException"/> for unknown names or options.</summary>
    public static IRanker Create(string name, IReadOnlyDictionary<string, string>? settings = null) =>
        Models.TryGetValue(name, out var entry)
            ? entry.Create(settings ?? new Dictionary<string, string>())
            : throw new FormatException($"unknown ranker '{name}'; known rankers: {string.Join(", ", Models.Keys)}");

    /// <summary>Every ranker option with its default and meaning, for help text and docs.</summary>
    public static IEnumerable<(string Model, string Option, string Default, string Description)> Options()
    {
        foreach (var (model, entry) in Models)
        {
            var defaults = Activator.CreateInstance(entry.Options)!;
            foreach (var (name, description, property) in ModelOptions.Describe(entry.Options))
            {
                yield return (model, name, Convert.ToString(property.GetValue(defaults), CultureInfo.InvariantCulture)!.ToLowerInvariant(), description);
            }
        }
    }
}
