using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>What the request path needs to know about a user, read in one call.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Recent">Most recent interactions, oldest first (bounded).</param>
/// <param name="Seen">Every item the user interacted with (bounded to the most recent ones).</param>
/// <param name="TotalEvents">Events recorded over the user's lifetime.</param>
/// <param name="LastEventAt">Time of the newest event, if any.</param>
[GenerateSerializer, Immutable, Alias("recsys.UserSnapshot")]
public sealed record UserSnapshot(
    [property: Id(0)] string UserId,
    [property: Id(1)] ImmutableArray<UserEvent> Recent,
    [property: Id(2)] ImmutableArray<string> Seen,
    [property: Id(3)] long TotalEvents,
    [property: Id(4)] DateTimeOffset? LastEventAt);
