using RecSys.Models.Ranking;
using RecSys.Models.Recall;

namespace RecSys.Grains.Serving;

/// <summary>
/// Where model versions live and how a silo gets its first one, bound from "RecSys:Models". Every default lives here.
/// </summary>
public sealed class ModelLifecycleOptions
{
    public const string Section = "RecSys:Models";

    /// <summary>(string) Folder of versions (<c>&lt;folder&gt;/&lt;version&gt;/&lt;model&gt;/</c>); every silo must see the same one.</summary>
    public string Artifacts { get; set; } = "artifacts";

    /// <summary>
    /// (string) Models trained into a new version when the artifacts folder holds none for the loaded dataset
    /// (comma-separated; empty or "none" = train nothing and serve ItemCF and popularity only). The default is the
    /// served ablation's winner (docs/quality.md, "Served quality").
    /// </summary>
    public string Train { get; set; } = "sasrec,gru4rec,lr";

    /// <summary>(string) Options for those models, "model.option=value" separated by ';' (as recsys train --set).</summary>
    public string TrainSettings { get; set; } = "sasrec.epochs=30;gru4rec.epochs=8";

    /// <summary>(TimeSpan) How often a silo checks the registry for a version to load or activate.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>(TimeSpan) How long an activation waits for every silo to load the version.</summary>
    public TimeSpan ActivationTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public IReadOnlyList<string> TrainModels => Train.Trim().Equals("none", StringComparison.OrdinalIgnoreCase)
        ? []
        : Train.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Per-model settings from <see cref="TrainSettings"/>.</summary>
    public Dictionary<string, Dictionary<string, string>> ParseTrainSettings()
    {
        var settings = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var entry in TrainSettings.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dot = entry.IndexOf('.', StringComparison.Ordinal);
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            if (dot <= 0 || eq < dot + 2 || eq == entry.Length - 1)
            {
                throw new FormatException($"RecSys:Models:TrainSettings entry '{entry}' is not model.option=value");
            }
            var model = entry[..dot];
            if (!settings.TryGetValue(model, out var perModel))
            {
                settings[model] = perModel = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            }
            perModel[entry[(dot + 1)..eq]] = entry[(eq + 1)..];
        }
        return settings;
    }

    public IEnumerable<string> Validate()
    {
        if (string.IsNullOrWhiteSpace(Artifacts)) yield return "--artifacts must name a folder";
        if (PollInterval <= TimeSpan.Zero) yield return "RecSys:Models:PollInterval must be positive";
        if (ActivationTimeout <= TimeSpan.Zero) yield return "RecSys:Models:ActivationTimeout must be positive";
        string? problem = null;
        try
        {
            // Settings for a model that is not trained are its defaults for when it is (e.g. --train gru4rec keeps
            // din.epochs=3 unused); a name that is no model at all is a typo.
            foreach (var model in ParseTrainSettings().Keys)
            {
                if (!RecommenderCatalog.Contains(model) && !RankerCatalog.Contains(model))
                {
                    problem = $"RecSys:Models:TrainSettings names '{model}', which is no model (see 'recsys models')";
                }
            }
            foreach (var model in TrainModels)
            {
                if (!RecommenderCatalog.Contains(model) && !RankerCatalog.Contains(model))
                {
                    problem = $"--train names '{model}', which is no model; known: {string.Join(", ", RecommenderCatalog.Names.Concat(RankerCatalog.Names))}";
                }
            }
        }
        catch (FormatException ex)
        {
            problem = ex.Message;
        }
        if (problem is not null) yield return problem;
    }
}
