using System.Collections.Immutable;
using RecSys.Grains.Contracts;

namespace RecSys.Grains;

/// <summary>
/// Live state of one user. Key = user id (string).
/// </summary>
[Alias("recsys.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends events to the user's history and persists them before returning. Events whose
    /// <see cref="UserEvent.EventId"/> was already recorded are ignored (idempotent retries).
    /// </summary>
    /// <returns>The events that were new.</returns>
    [Alias("Record")]
    Task<ImmutableArray<UserEvent>> RecordAsync(ImmutableArray<UserEvent> events);

    /// <summary>Recent history and seen set. Does not create state for unknown users.</summary>
    [Alias("GetSnapshot")]
    Task<UserSnapshot> GetSnapshotAsync();
}
