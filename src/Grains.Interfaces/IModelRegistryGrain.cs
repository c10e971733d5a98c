using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// Knows the model versions under the artifacts folder and which one the cluster serves. Activating a version has
/// every silo load it, builds its recall shards, and only then switches the active version, so requests never see a
/// half-loaded version. Singleton: key = 0.
/// </summary>
[Alias("recsys.IModelRegistryGrain")]
public interface IModelRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>The versions on disk (newest first) and the active and pending ones.</summary>
    [Alias("List")]
    Task<ModelRegistryView> ListAsync();

    /// <summary>The active and pending versions (what silos poll).</summary>
    [Alias("GetStatus")]
    Task<ModelRegistryStatus> GetStatusAsync();

    /// <summary>
    /// Loads <paramref name="version"/> on every silo, warms its recall shards, then makes it active. Throws
    /// <see cref="ModelVersionException"/> when the version does not exist or a silo cannot load it. Waits for the
    /// shards to build (minutes for a million items), so its response timeout is that of
    /// <see cref="IRecallShardGrain.WarmAsync"/>, not Orleans' default 30 s.
    /// </summary>
    [Alias("Activate"), ResponseTimeout("01:00:00")]
    Task<ModelRegistryStatus> ActivateAsync(string version);

    /// <summary>A silo reports that it loaded <paramref name="version"/> (or why it could not).</summary>
    [Alias("ReportLoaded")]
    Task ReportLoadedAsync(string silo, string version, string? error);

    /// <summary>
    /// Lets one silo train the first version when none exists: true for the caller holding the lease (renewed by
    /// calling again), false while another silo holds it.
    /// </summary>
    [Alias("ClaimBootstrap")]
    Task<bool> ClaimBootstrapAsync(string silo, TimeSpan lease);
}

/// <summary>The active version and the one being activated.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ModelRegistryStatus")]
public sealed record ModelRegistryStatus(
    [property: Id(0)] string? Active,
    [property: Id(1)] DateTimeOffset? ActivatedAt,
    [property: Id(2)] string? Pending);

/// <summary>One model of a version.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ModelInfo")]
public sealed record ModelInfo(
    [property: Id(0)] string Name,
    [property: Id(1)] string Stage,
    [property: Id(2)] string Dataset,
    [property: Id(3)] ImmutableDictionary<string, double> Metrics);

/// <summary>A version on disk.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ModelVersionInfo")]
public sealed record ModelVersionInfo(
    [property: Id(0)] string Version,
    [property: Id(1)] DateTimeOffset CreatedAt,
    [property: Id(2)] ImmutableArray<ModelInfo> Models);

/// <summary>What GET /v1/admin/models shows.</summary>
[GenerateSerializer, Immutable, Alias("recsys.ModelRegistryView")]
public sealed record ModelRegistryView(
    [property: Id(0)] ModelRegistryStatus Status,
    [property: Id(1)] ImmutableArray<ModelVersionInfo> Versions);

/// <summary>A version that does not exist or could not be loaded.</summary>
[GenerateSerializer, Alias("recsys.ModelVersionException")]
public sealed class ModelVersionException : Exception
{
    public ModelVersionException()
    {
    }

    public ModelVersionException(string message, bool notFound = false)
        : base(message) => NotFound = notFound;

    public ModelVersionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>True when the version does not exist (404) rather than failing to load (409).</summary>
    [Id(0)]
    public bool NotFound { get; init; }
}
