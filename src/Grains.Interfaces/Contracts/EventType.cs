namespace RecSys.Grains.Contracts;

/// <summary>Kinds of user–item interaction the API accepts.</summary>
[GenerateSerializer, Alias("recsys.EventType")]
public enum EventType
{
    View = 0,
    Click = 1,
    Like = 2,
    Rating = 3,
    Purchase = 4,
    Skip = 5,
}
