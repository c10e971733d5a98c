using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>Persisted state of <see cref="UserGrain"/>. Property names are the stored JSON schema.</summary>
[GenerateSerializer, Alias("recsys.UserState")]
public sealed class UserState
{
    /// <summary>Most recent interactions in arrival order, oldest first.</summary>
    [Id(0)]
    public List<UserEvent> Recent { get; set; } = [];

    /// <summary>Items interacted with, in first-seen order (oldest forgotten first when over the bound).</summary>
    [Id(1)]
    public List<string> Seen { get; set; } = [];

    /// <summary>Client event ids recently recorded, oldest first.</summary>
    [Id(2)]
    public List<string> EventIds { get; set; } = [];

    [Id(3)]
    public long TotalEvents { get; set; }

    [Id(4)]
    public DateTimeOffset? FirstEventAt { get; set; }

    [Id(5)]
    public DateTimeOffset? LastEventAt { get; set; }

    /// <summary>
    /// The fingerprint of the loaded dataset whose history of this user was merged into this state, or null if none
    /// was (yet): a user is seeded from the dataset once.
    /// </summary>
    [Id(6)]
    public string? DatasetFingerprint { get; set; }

    // Lookup indexes derived from the lists above; neither serializer sees non-public members.
    [NonSerialized]
    private HashSet<string>? _seenIndex;
    [NonSerialized]
    private HashSet<string>? _eventIdIndex;

    internal HashSet<string> SeenIndex => _seenIndex ??= new HashSet<string>(Seen, StringComparer.Ordinal);

    internal HashSet<string> EventIdIndex => _eventIdIndex ??= new HashSet<string>(EventIds, StringComparer.Ordinal);
}
