namespace RecSys.Models.Data;

/// <summary>Each user's items in time order (ties keep input order). Immutable.</summary>
public sealed class UserSequences
{
    private readonly int[][] _items;

    private UserSequences(int[][] items)
    {
        _items = items;
    }

    public int UserCount => _items.Length;

    public IReadOnlyList<int> this[int user] => _items[user];

    public static UserSequences From(int userCount, IEnumerable<Interaction> interactions)
    {
        var perUser = new List<(long Time, int Order, int Item)>[userCount];
        var order = 0;
        foreach (var i in interactions)
        {
            (perUser[i.User] ??= []).Add((i.Timestamp, order++, i.Item));
        }
        var items = new int[userCount][];
        for (var u = 0; u < userCount; u++)
        {
            items[u] = perUser[u] is { } list ? [.. list.Order().Select(e => e.Item)] : [];
        }
        return new UserSequences(items);
    }

    /// <summary>These sequences with <paramref name="later"/> interactions appended in time order.</summary>
    public UserSequences Append(IEnumerable<Interaction> later)
    {
        var extra = From(UserCount, later);
        var items = new int[UserCount][];
        for (var u = 0; u < UserCount; u++)
        {
            items[u] = [.. _items[u], .. extra._items[u]];
        }
        return new UserSequences(items);
    }
}
