using System.Collections.Immutable;

namespace RecSys.Grains.Contracts;

/// <summary>What the request path needs to know about a user, read in one call.</summary>
/// <param name="UserId">The user.</param>
/// <param name="Recent">Most recent interactions, oldest first (bounded).</param>
/// <param name="Seen">Every item the user interacted with (bounded to the most recent ones).</param>
/// <param name="TotalEvents">Events recorded over the user's lifetime.</param>
/// <param name="LastEventAt">Time of the newest event, if any.</param>
/// <param name="ModelVersion">The model version the vectors belong to (null when the silo serves none yet).</param>
/// <param name="Vectors">The live query vector of each vector channel, as of the newest event.</param>
[GenerateSerializer, Immutable, Alias("recsys.UserSnapshot")]
public sealed record UserSnapshot(
    [property: Id(0)] string UserId,
    [property: Id(1)] ImmutableArray<UserEvent> Recent,
    [property: Id(2)] ImmutableArray<string> Seen,
    [property: Id(3)] long TotalEvents,
    [property: Id(4)] DateTimeOffset? LastEventAt,
    [property: Id(5)] string? ModelVersion = null,
    [property: Id(6)] ImmutableArray<ChannelVector> Vectors = default)
{
    /// <summary>The vector of <paramref name="channel"/>, or null.</summary>
    public float[]? Vector(string channel)
    {
        foreach (var v in Vectors.IsDefault ? [] : Vectors)
        {
            if (v.Channel == channel)
            {
                return v.Vector;
            }
        }
        return null;
    }
}

/// <summary>A user's (or session's) query vector for one vector channel.</summary>
/// <param name="Channel">The vector model's name, e.g. "gru4rec".</param>
/// <param name="Vector">Its query vector (never mutated once published).</param>
[GenerateSerializer, Immutable, Alias("recsys.ChannelVector")]
public sealed record ChannelVector(
    [property: Id(0)] string Channel,
    [property: Id(1)] float[] Vector);
