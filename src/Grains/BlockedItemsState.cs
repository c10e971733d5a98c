namespace RecSys.Grains;

/// <summary>One blocked item in <see cref="BlockedItemsState"/>.</summary>
[GenerateSerializer, Alias("recsys.BlockedItemEntry")]
public sealed class BlockedItemEntry
{
    [Id(0)]
    public string? Reason { get; set; }

    [Id(1)]
    public DateTimeOffset BlockedAt { get; set; }
}

/// <summary>Persisted state of <see cref="BlockedItemsGrain"/>. Property names are the stored JSON schema.</summary>
[GenerateSerializer, Alias("recsys.BlockedItemsState")]
public sealed class BlockedItemsState
{
    /// <summary>Bumped on every change; see <see cref="Contracts.BlockedItemsSnapshot.Version"/>.</summary>
    [Id(0)]
    public long Version { get; set; }

    /// <summary>Blocked items by id.</summary>
    [Id(1)]
    public Dictionary<string, BlockedItemEntry> Items { get; set; } = new(StringComparer.Ordinal);
}
