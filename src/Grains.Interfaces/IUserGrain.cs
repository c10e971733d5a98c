using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// A live interaction history: bounded recent events, seen set, counters and the query vectors of the active
/// models, advanced on every event. Implemented by users and by anonymous sessions.
/// </summary>
[Alias("recsys.IHistoryGrain")]
public interface IHistoryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends events to the history and persists them before returning. Events whose
    /// <see cref="UserEvent.EventId"/> was already recorded are ignored (idempotent retries).
    /// </summary>
    /// <returns>The events that were new.</returns>
    [Alias("Record")]
    Task<ImmutableArray<UserEvent>> RecordAsync(ImmutableArray<UserEvent> events);

    /// <summary>Recent history, seen set and live vectors. Does not create state for unknown keys.</summary>
    [Alias("GetSnapshot")]
    Task<UserSnapshot> GetSnapshotAsync();
}

/// <summary>Live state of one known user. Key = user id (string).</summary>
[Alias("recsys.IUserGrain")]
public interface IUserGrain : IHistoryGrain
{
}

/// <summary>
/// Live state of one anonymous session: recommendations for it read the session's own events only. Key = session id.
/// </summary>
[Alias("recsys.ISessionGrain")]
public interface ISessionGrain : IHistoryGrain
{
}
