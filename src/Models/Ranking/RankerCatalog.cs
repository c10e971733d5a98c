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
        ["widedeep"] = (typeof(WideDeepOptions), s => new WideDeep(ModelOptions.Bind(new WideDeepOptions(), s, "widedeep"))),
        ["deepfm"] = (typeof(DeepFmOptions), s => new DeepFm(ModelOptions.Bind(new DeepFmOptions(), s, "deepfm"))),
        ["dcn"] = (typeof(DcnOptions), s => new Dcn(ModelOptions.Bind(new DcnOptions(), s, "dcn"))),
        ["dcnv2"] = (typeof(DcnV2Options), s => new DcnV2(ModelOptions.Bind(new DcnV2Options(), s, "dcnv2"))),
        ["din"] = (typeof(DinOptions), s => new Din(ModelOptions.Bind(new DinOptions(), s, "din"))),
        ["autoint"] = (typeof(AutoIntOptions), s => new AutoInt(ModelOptions.Bind(new AutoIntOptions(), s, "autoint"))),
        ["xdeepfm"] = (typeof(XDeepFmOptions), s => new XDeepFm(ModelOptions.Bind(new XDeepFmOptions(), s, "xdeepfm"))),
        ["fibinet"] = (typeof(FiBiNetOptions), s => new FiBiNet(ModelOptions.Bind(new FiBiNetOptions(), s, "fibinet"))),
        ["mmoe"] = (typeof(MmoeOptions), s => new Mmoe(ModelOptions.Bind(new MmoeOptions(), s, "mmoe"))),
        ["ple"] = (typeof(PleOptions), s => new Ple(ModelOptions.Bind(new PleOptions(), s, "ple"))),
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
