using RecSys.Grains.Contracts;

namespace RecSys.Grains.Serving;

/// <summary>
/// How much an interaction says about a user's interest, used both for ItemCF history weights and for
/// popularity. Zero means "no positive signal" (the item still counts as seen).
/// </summary>
public static class EventWeights
{
    public static double Of(EventType type, double? value) => type switch
    {
        EventType.View => 1.0,
        EventType.Click => 2.0,
        EventType.Like => 4.0,
        EventType.Purchase => 6.0,
        EventType.Skip => 0.0,
        // Ratings on a 0–5 scale: 4–5 is a like, 3 mild interest, below that no positive signal.
        EventType.Rating => value switch
        {
            >= 4 => 4.0,
            >= 3 => 1.0,
            _ => 0.0,
        },
        _ => 0.0,
    };

    public static double Of(UserEvent e) => Of(e.Type, e.Value);
}
