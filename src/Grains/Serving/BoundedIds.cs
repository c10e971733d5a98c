namespace RecSys.Grains.Serving;

/// <summary>
/// An insertion-ordered set of ids kept in grain state as a list (the stored form) plus a hash index (derived),
/// capped at a capacity: when full, the oldest ids are forgotten first.
/// </summary>
internal static class BoundedIds
{
    /// <summary>Adds <paramref name="id"/>; false if it is already present.</summary>
    public static bool Add(List<string> ordered, HashSet<string> index, string id, int capacity)
    {
        if (!index.Add(id))
        {
            return false;
        }
        ordered.Add(id);
        var excess = ordered.Count - capacity;
        if (excess > 0)
        {
            foreach (var forgotten in ordered.Take(excess))
            {
                index.Remove(forgotten);
            }
            ordered.RemoveRange(0, excess);
        }
        return true;
    }
}
