using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Runtime;
using RecSys.Grains.Contracts;
using RecSys.Grains.Serving;
using RecSys.Models.Artifacts;

namespace RecSys.Grains;

/// <summary>Persisted state of <see cref="ModelRegistryGrain"/>.</summary>
[GenerateSerializer, Alias("recsys.ModelRegistryState")]
public sealed class ModelRegistryState
{
    [Id(0)]
    public string? Active { get; set; }

    [Id(1)]
    public DateTimeOffset? ActivatedAt { get; set; }

    [Id(2)]
    public string? Pending { get; set; }

    [Id(3)]
    public string? BootstrapSilo { get; set; }

    [Id(4)]
    public DateTimeOffset? BootstrapUntil { get; set; }
}

/// <summary>
/// The cluster's model versions. Activation: mark the version pending (silos poll and load it, then report), wait
/// until every active silo has it, build its recall shards, then switch: each silo swaps its current models on its
/// next poll, a pointer swap since the version is already loaded. Until then every silo keeps answering with the old
/// version, so a swap under load fails no request. Reentrant: the reports of silos arrive while an activation waits.
/// </summary>
[Reentrant]
public sealed class ModelRegistryGrain(
    [PersistentState("models", StorageNames.Aggregates)] IPersistentState<ModelRegistryState> state,
    IOptions<ModelLifecycleOptions> lifecycle,
    IOptions<ServingOptions> serving,
    TimeProvider clock) : Grain, IModelRegistryGrain
{
    private static readonly TimeSpan ReportCheckInterval = TimeSpan.FromMilliseconds(100);

    // Per version: silo → null when loaded, else why it could not load. Memory only: silos report again on every poll.
    private readonly Dictionary<string, Dictionary<string, string?>> _reports = new(StringComparer.Ordinal);

    public async Task<ModelRegistryView> ListAsync()
    {
        var root = lifecycle.Value.Artifacts;
        var versions = await Task.Run(() => ArtifactVersions.List(root));
        return new ModelRegistryView(Status(), [.. versions.Select(v => new ModelVersionInfo(
            v.Name,
            v.CreatedAt,
            [.. v.Models.Select(m => new ModelInfo(m.Manifest.Model, m.Manifest.Stage, m.Manifest.Dataset, m.Manifest.Metrics.ToImmutableDictionary()))]))]);
    }

    public Task<ModelRegistryStatus> GetStatusAsync() => Task.FromResult(Status());

    public async Task<ModelRegistryStatus> ActivateAsync(string version)
    {
        if (!ArtifactVersions.IsValidName(version))
        {
            throw new ModelVersionException($"'{version}' is not a version name (letters, digits, '-', '_', '.')", notFound: true);
        }
        var folder = Path.Combine(lifecycle.Value.Artifacts, version);
        if (await Task.Run(() => ArtifactVersions.Read(folder)) is null)
        {
            throw new ModelVersionException($"no model version '{version}' under {lifecycle.Value.Artifacts}", notFound: true);
        }
        if (state.State.Active == version && state.State.Pending is null)
        {
            return Status();
        }
        if (state.State.Pending is { } pending && pending != version)
        {
            throw new ModelVersionException($"version '{pending}' is being activated; try again when it is done");
        }

        // Earlier failures to load this version are forgotten: silos report afresh on their next poll.
        _reports.Remove(version);
        state.State.Pending = version;
        await state.WriteStateAsync();
        try
        {
            await WaitForSilosAsync(version);
            var shards = serving.Value.RecallShards;
            await Task.WhenAll(Enumerable.Range(0, shards).Select(s => GrainFactory.GetGrain<IRecallShardGrain>(RecallShardKeys.Of(version, s, shards)).WarmAsync()));
            state.State.Active = version;
            state.State.ActivatedAt = clock.GetUtcNow();
        }
        finally
        {
            state.State.Pending = null;
            await state.WriteStateAsync();
        }
        return Status();
    }

    public Task ReportLoadedAsync(string silo, string version, string? error)
    {
        if (!_reports.TryGetValue(version, out var bySilo))
        {
            _reports[version] = bySilo = new Dictionary<string, string?>(StringComparer.Ordinal);
        }
        bySilo[silo] = error;
        return Task.CompletedTask;
    }

    public async Task<bool> ClaimBootstrapAsync(string silo, TimeSpan lease)
    {
        var s = state.State;
        var now = clock.GetUtcNow();
        if (s.BootstrapSilo is { } holder && holder != silo && s.BootstrapUntil > now)
        {
            return false;
        }
        s.BootstrapSilo = silo;
        s.BootstrapUntil = now + lease;
        await state.WriteStateAsync();
        return true;
    }

    private async Task WaitForSilosAsync(string version)
    {
        var deadline = clock.GetUtcNow() + lifecycle.Value.ActivationTimeout;
        var management = GrainFactory.GetGrain<IManagementGrain>(0);
        while (true)
        {
            var silos = (await management.GetHosts(onlyActive: true)).Keys.Select(a => a.ToParsableString()).ToList();
            var reports = _reports.GetValueOrDefault(version);
            if (reports is not null)
            {
                var failure = silos.Select(s => reports.GetValueOrDefault(s)).FirstOrDefault(e => e is not null);
                if (failure is not null)
                {
                    throw new ModelVersionException($"version '{version}' could not be loaded: {failure}");
                }
                if (silos.All(reports.ContainsKey))
                {
                    return;
                }
            }
            if (clock.GetUtcNow() > deadline)
            {
                var missing = silos.Where(s => reports?.ContainsKey(s) != true);
                throw new ModelVersionException($"version '{version}' was not loaded by every silo within {lifecycle.Value.ActivationTimeout} (waiting for {string.Join(", ", missing)})");
            }
            await Task.Delay(ReportCheckInterval);
        }
    }

    private ModelRegistryStatus Status() => new(state.State.Active, state.State.ActivatedAt, state.State.Pending);
}
