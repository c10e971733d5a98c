using Microsoft.Extensions.Configuration;
using RecSys.Grains.Serving;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;

namespace RecSys.Cli.Replay;

/// <summary>
/// Trains the model version a served evaluation serves, once, before any service starts: what the service would train
/// at start-up (<c>RecSys:Models:Train</c> and <c>TrainSettings</c>, the ranker's lists from the recall stage of the
/// given serving settings), with a progress bar per model. Variants that only change serving then share it; the
/// services find it on disk (same data fingerprint) and activate it instead of training.
/// </summary>
internal static class ReplayTraining
{
    /// <summary>
    /// Makes sure <paramref name="artifacts"/> holds a version trained on <paramref name="dataset"/> with
    /// <paramref name="settings"/> (keys as <see cref="ReplayHost.ConfigurationKey"/> reads them); nothing when the
    /// settings train nothing or a version for this data is there already (a kept <c>--artifacts</c> folder).
    /// </summary>
    public static void EnsureVersion(InteractionDataset dataset, IReadOnlyDictionary<string, string> settings, string artifacts, TextWriter log)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(ReplayHost.ConfigurationKey(s.Key), (string?)s.Value)))
            .Build();
        var serving = new ServingOptions();
        var lifecycle = new ModelLifecycleOptions();
        try
        {
            configuration.GetSection(ServingOptions.Section).Bind(serving);
            configuration.GetSection(ModelLifecycleOptions.Section).Bind(lifecycle);
        }
        catch (InvalidOperationException ex)
        {
            throw new UsageException(ex.Message);
        }
        var problems = serving.Validate().Concat(lifecycle.Validate()).ToList();
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join(Environment.NewLine, problems));
        }
        if (lifecycle.TrainModels.Count == 0 || ArtifactVersions.List(artifacts).Any(v => v.DataFingerprint == dataset.Fingerprint))
        {
            return;
        }
        var bars = new List<ConsoleProgress>();
        string version;
        try
        {
            version = ArtifactVersions.TrainNew(
                artifacts,
                DateTimeOffset.UtcNow,
                lifecycle.TrainModels,
                lifecycle.ParseTrainSettings(),
                dataset,
                serving.Device,
                serving.Pipeline,
                progress: name =>
                {
                    bars.LastOrDefault()?.Dispose();
                    var bar = new ConsoleProgress(log, "training " + name);
                    bars.Add(bar);
                    return bar;
                });
        }
        finally
        {
            bars.LastOrDefault()?.Dispose();
        }
        log.WriteLine($"trained {version}: {string.Join(", ", lifecycle.TrainModels)}");
    }
}
