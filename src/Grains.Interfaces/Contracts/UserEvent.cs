namespace RecSys.Grains.Contracts;

/// <summary>One interaction of a user (the user is the receiving grain's key).</summary>
/// <param name="ItemId">The item interacted with.</param>
/// <param name="Type">What the user did.</param>
/// <param name="Value">Rating value for <see cref="EventType.Rating"/>; optional strength otherwise.</param>
/// <param name="Timestamp">When it happened (server time if the client gave none).</param>
/// <param name="EventId">Client id that makes retries idempotent; null when the client sent none.</param>
[GenerateSerializer, Immutable, Alias("recsys.UserEvent")]
public sealed record UserEvent(
    [property: Id(0)] string ItemId,
    [property: Id(1)] EventType Type,
    [property: Id(2)] double? Value,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string? EventId);
