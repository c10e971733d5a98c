namespace RecSys.Models.Pipeline;

/// <summary>
/// How much one interaction says about a subject's interest: the weight of its item in ItemCF's history and in
/// popularity. Zero means no positive signal (the item still counts as seen). The serving side maps its event types
/// here; the offline side maps a dataset's interactions (ratings, or views for implicit data) the same way.
/// </summary>
public static class InteractionWeights
{
    public const float View = 1f;
    public const float Click = 2f;
    public const float Like = 4f;
    public const float Purchase = 6f;
    public const float Skip = 0f;

    /// <summary>A rating on a 0–5 scale: 4–5 is a like, 3 mild interest, below that no positive signal.</summary>
    public static float Rating(double? value) => value switch
    {
        >= 4 => Like,
        >= 3 => 1f,
        _ => 0f,
    };

    /// <summary>A dataset interaction: a rating when the dataset has explicit ratings, else a view.</summary>
    public static float OfDataset(float rating, bool explicitRatings) => explicitRatings ? Rating(rating) : View;
}

/// <summary>
/// One interaction of a subject's history as the candidate pipeline reads it, oldest first.
/// </summary>
/// <param name="Item">Index in the serving item vocabulary, or −1 for an item no model knows.</param>
/// <param name="Weight">Its positive signal (<see cref="InteractionWeights"/>).</param>
/// <param name="Repeatable">True if the item may be recommended again when the surface allows repeats (views,
/// clicks, likes); false for items the subject is done with (rated, purchased, skipped).</param>
public readonly record struct HistoryEvent(int Item, float Weight, bool Repeatable);
