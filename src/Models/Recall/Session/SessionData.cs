namespace RecSys.Models.Recall.Session;

/// <summary>
/// Sessions for a session model: each one an array of item indices in time order (repeats kept), with the catalogue
/// size and each session's first and last event time. <see cref="Evaluation.SessionSplit"/> lists them in order of
/// their first event (ties: session id), but models take recency from <see cref="StartTimes"/>, not from the list
/// position. Immutable: the arrays are not copied, so callers must not change them afterwards.
/// </summary>
public sealed class SessionData
{
    /// <param name="sessions">Item indices in [0, <paramref name="itemCount"/>), oldest first; no session is empty.</param>
    /// <param name="startTimes">Unix seconds of each session's first event; null: the list position.</param>
    /// <param name="endTimes">Unix seconds of each session's last event; null: the start times.</param>
    /// <param name="ids">External session ids; null: the list position.</param>
    public SessionData(IReadOnlyList<int[]> sessions, int itemCount, IReadOnlyList<long>? startTimes = null, IReadOnlyList<long>? endTimes = null, IReadOnlyList<string>? ids = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(itemCount);
        startTimes ??= [.. Enumerable.Range(0, sessions.Count).Select(s => (long)s)];
        endTimes ??= startTimes;
        ids ??= [.. Enumerable.Range(0, sessions.Count).Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))];
        if (startTimes.Count != sessions.Count || endTimes.Count != sessions.Count || ids.Count != sessions.Count)
        {
            throw new ArgumentException($"{sessions.Count} sessions need as many start times, end times and ids ({startTimes.Count}, {endTimes.Count}, {ids.Count})");
        }
        long events = 0;
        for (var s = 0; s < sessions.Count; s++)
        {
            if (sessions[s].Length == 0)
            {
                throw new ArgumentException($"session {ids[s]} is empty", nameof(sessions));
            }
            foreach (var item in sessions[s])
            {
                if ((uint)item >= (uint)itemCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(sessions), item, $"session {ids[s]} names item {item}; the catalogue has {itemCount}");
                }
            }
            events += sessions[s].Length;
        }
        Sessions = sessions;
        ItemCount = itemCount;
        StartTimes = startTimes;
        EndTimes = endTimes;
        Ids = ids;
        Events = events;
    }

    public IReadOnlyList<int[]> Sessions { get; }

    public int Count => Sessions.Count;

    /// <summary>Size of the item index space (items that never occur have no events).</summary>
    public int ItemCount { get; }

    /// <summary>Unix seconds of each session's first event.</summary>
    public IReadOnlyList<long> StartTimes { get; }

    /// <summary>Unix seconds of each session's last event.</summary>
    public IReadOnlyList<long> EndTimes { get; }

    public IReadOnlyList<string> Ids { get; }

    /// <summary>Events over all sessions (repeats count).</summary>
    public long Events { get; }

    /// <summary>
    /// The same protocol applied to these (training) sessions: the earlier ones and the held-out validation sessions
    /// after them, for models that tune or stop early. Null when there is none. Never holds test sessions.
    /// </summary>
    public SessionValidationSplit? Validation { get; init; }

    /// <summary>Occurrences of each item over all sessions (repeats count): the popularity the baselines use.</summary>
    public int[] ItemCounts()
    {
        var counts = new int[ItemCount];
        foreach (var session in Sessions)
        {
            foreach (var item in session)
            {
                counts[item]++;
            }
        }
        return counts;
    }
}

/// <summary>Training sessions divided for validation.</summary>
/// <param name="Train">The training sessions before the validation cut.</param>
/// <param name="Validation">Held-out sessions, filtered like test sessions (items unseen in <paramref name="Train"/> dropped, sessions shorter than 2 dropped).</param>
/// <param name="Description">How they were divided, for reports.</param>
public sealed record SessionValidationSplit(SessionData Train, SessionData Validation, string Description);
