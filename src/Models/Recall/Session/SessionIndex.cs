namespace RecSys.Models.Recall.Session;

/// <summary>
/// What the built session models share: the sessions as compressed rows, the sessions of each item and the item
/// popularity, each O(events). Built once, read-only afterwards.
/// </summary>
internal sealed class SessionIndex
{
    private SessionIndex(int itemCount, int[] sessionStart, int[] sessionItems, int[] itemStart, int[] itemSessions, int[] popularity)
    {
        ItemCount = itemCount;
        SessionStart = sessionStart;
        SessionItems = sessionItems;
        ItemStart = itemStart;
        ItemSessions = itemSessions;
        Popularity = popularity;
    }

    public int ItemCount { get; }

    public int SessionCount => SessionStart.Length - 1;

    /// <summary>Row offsets into <see cref="SessionItems"/>.</summary>
    public int[] SessionStart { get; }

    /// <summary>Each session's items in order, repeats kept.</summary>
    public int[] SessionItems { get; }

    /// <summary>Row offsets into <see cref="ItemSessions"/>.</summary>
    public int[] ItemStart { get; }

    /// <summary>The distinct sessions of each item, in ascending session order.</summary>
    public int[] ItemSessions { get; }

    /// <summary>Occurrences of each item (repeats count).</summary>
    public int[] Popularity { get; }

    public ReadOnlySpan<int> Session(int session) => SessionItems.AsSpan(SessionStart[session], SessionStart[session + 1] - SessionStart[session]);

    public ReadOnlySpan<int> SessionsOf(int item) => ItemSessions.AsSpan(ItemStart[item], ItemStart[item + 1] - ItemStart[item]);

    /// <summary>True for an index inside the catalogue that occurs in training.</summary>
    public bool Known(int item) => (uint)item < (uint)ItemCount && Popularity[item] > 0;

    public static SessionIndex Build(IReadOnlyList<int[]> sessions, int itemCount)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        var sessionStart = new int[sessions.Count + 1];
        for (var s = 0; s < sessions.Count; s++)
        {
            sessionStart[s + 1] = checked(sessionStart[s] + sessions[s].Length);
        }
        var sessionItems = new int[sessionStart[^1]];
        var popularity = new int[itemCount];
        var itemStart = new int[itemCount + 1];
        var lastSession = new int[itemCount];
        Array.Fill(lastSession, -1);
        for (var s = 0; s < sessions.Count; s++)
        {
            sessions[s].CopyTo(sessionItems, sessionStart[s]);
            foreach (var item in sessions[s])
            {
                if ((uint)item >= (uint)itemCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(sessions), item, $"session {s} names item {item}; the catalogue has {itemCount}");
                }
                popularity[item]++;
                if (lastSession[item] != s)
                {
                    lastSession[item] = s;
                    itemStart[item + 1]++;
                }
            }
        }
        for (var i = 0; i < itemCount; i++)
        {
            itemStart[i + 1] += itemStart[i];
        }
        var itemSessions = new int[itemStart[^1]];
        var fill = itemStart[..^1];
        Array.Fill(lastSession, -1);
        for (var s = 0; s < sessions.Count; s++)
        {
            foreach (var item in sessions[s])
            {
                if (lastSession[item] != s)
                {
                    lastSession[item] = s;
                    itemSessions[fill[item]++] = s;
                }
            }
        }
        return new SessionIndex(itemCount, sessionStart, sessionItems, itemStart, itemSessions, popularity);
    }
}
