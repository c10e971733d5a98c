using System.Security.Cryptography;
using System.Text;

namespace RecSys.Models.Data;

/// <summary>
/// Users, items (with catalogue metadata) and their interactions, indexed densely.
/// Immutable after construction.
/// </summary>
public sealed class InteractionDataset
{
    private string? _fingerprint;

    public InteractionDataset(
        string name,
        IdVocabulary users,
        IdVocabulary items,
        IReadOnlyList<UserInfo> userInfos,
        IReadOnlyList<ItemInfo> itemInfos,
        Interaction[] interactions)
    {
        if (userInfos.Count != users.Count)
        {
            throw new ArgumentException($"{userInfos.Count} user records for {users.Count} users", nameof(userInfos));
        }
        if (itemInfos.Count != items.Count)
        {
            throw new ArgumentException($"{itemInfos.Count} item records for {items.Count} items", nameof(itemInfos));
        }
        foreach (var interaction in interactions)
        {
            if ((uint)interaction.User >= (uint)users.Count || (uint)interaction.Item >= (uint)items.Count)
            {
                throw new ArgumentException($"interaction {interaction} refers outside the vocabularies", nameof(interactions));
            }
        }

        Name = name;
        Users = users;
        Items = items;
        UserInfos = userInfos;
        ItemInfos = itemInfos;
        Interactions = interactions;
    }

    /// <summary>Human-readable source, e.g. "synthetic(seed=42)" or "movielens-100k".</summary>
    public string Name { get; }

    public IdVocabulary Users { get; }

    public IdVocabulary Items { get; }

    /// <summary>Per-user attributes, aligned with <see cref="Users"/>.</summary>
    public IReadOnlyList<UserInfo> UserInfos { get; }

    /// <summary>Per-item metadata, aligned with <see cref="Items"/>.</summary>
    public IReadOnlyList<ItemInfo> ItemInfos { get; }

    public Interaction[] Interactions { get; }

    public int UserCount => Users.Count;

    public int ItemCount => Items.Count;

    /// <summary>
    /// SHA-256 over ids, metadata and interactions: equal fingerprints mean equal data, so serving can skip
    /// re-seeding a catalogue it already holds.
    /// </summary>
    public string Fingerprint => _fingerprint ??= ComputeFingerprint();

    /// <summary>Each user's interactions in time order (ties keep input order).</summary>
    public Interaction[][] InteractionsByUser()
    {
        var counts = new int[UserCount];
        foreach (var interaction in Interactions)
        {
            counts[interaction.User]++;
        }
        var byUser = new Interaction[UserCount][];
        for (var u = 0; u < UserCount; u++)
        {
            byUser[u] = new Interaction[counts[u]];
        }
        var fill = new int[UserCount];
        foreach (var interaction in Interactions)
        {
            byUser[interaction.User][fill[interaction.User]++] = interaction;
        }
        foreach (var list in byUser)
        {
            // Stable sort by time: Array.Sort is unstable, so sort (timestamp, original position).
            var keys = new (long, int)[list.Length];
            for (var i = 0; i < list.Length; i++)
            {
                keys[i] = (list[i].Timestamp, i);
            }
            Array.Sort(keys, list);
        }
        return byUser;
    }

    private string ComputeFingerprint()
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(s));
            hash.AppendData([0]);
        }

        Add(Name);
        foreach (var item in ItemInfos)
        {
            Add(item.Id);
            Add(item.Title);
            Add(string.Join('\u001f', item.Categories));
            Add(string.Join('\u001f', item.Tags));
        }
        foreach (var user in Users.Ids)
        {
            Add(user);
        }
        Span<byte> buffer = stackalloc byte[20];
        foreach (var interaction in Interactions)
        {
            BitConverter.TryWriteBytes(buffer[..4], interaction.User);
            BitConverter.TryWriteBytes(buffer[4..8], interaction.Item);
            BitConverter.TryWriteBytes(buffer[8..12], interaction.Rating);
            BitConverter.TryWriteBytes(buffer[12..20], interaction.Timestamp);
            hash.AppendData(buffer);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
