namespace RecSys.Grains;

/// <summary>Persisted state of <see cref="CatalogGrain"/>.</summary>
[GenerateSerializer, Alias("recsys.CatalogState")]
public sealed class CatalogState
{
    /// <summary>Every item id, in registration order.</summary>
    [Id(0)]
    public List<string> ItemIds { get; set; } = [];

    /// <summary>Fingerprint of the dataset whose items were last seeded.</summary>
    [Id(1)]
    public string? SeededFingerprint { get; set; }

    [NonSerialized]
    private HashSet<string>? _index;

    internal HashSet<string> Index => _index ??= new HashSet<string>(ItemIds, StringComparer.Ordinal);
}
