namespace RecSys.Models.Data;

/// <summary>
/// A sparse user × item matrix in both orientations (CSR by user and by item), built from interactions.
/// A repeated (user, item) pair keeps its latest interaction. Immutable and thread-safe once built.
/// </summary>
public sealed class UserItemMatrix
{
    private readonly int[] _userStart;
    private readonly int[] _userItems;
    private readonly float[] _userRatings;
    private readonly long[] _userTimes;
    private readonly int[] _itemStart;
    private readonly int[] _itemUsers;
    private readonly float[] _itemRatings;

    public UserItemMatrix(int userCount, int itemCount, IReadOnlyList<Interaction> interactions)
    {
        UserCount = userCount;
        ItemCount = itemCount;

        // Latest interaction per (user, item): sort by (user, item, time, input order) and keep the last of each run.
        var order = Enumerable.Range(0, interactions.Count).ToArray();
        Array.Sort(order, (a, b) =>
        {
            var x = interactions[a];
            var y = interactions[b];
            var c = x.User.CompareTo(y.User);
            if (c == 0) c = x.Item.CompareTo(y.Item);
            if (c == 0) c = x.Timestamp.CompareTo(y.Timestamp);
            return c != 0 ? c : a.CompareTo(b);
        });
        var kept = new List<Interaction>(order.Length);
        for (var n = 0; n < order.Length; n++)
        {
            var current = interactions[order[n]];
            if (n + 1 < order.Length)
            {
                var next = interactions[order[n + 1]];
                if (next.User == current.User && next.Item == current.Item)
                {
                    continue;
                }
            }
            if ((uint)current.User >= (uint)userCount || (uint)current.Item >= (uint)itemCount)
            {
                throw new ArgumentException($"interaction {current} is outside a {userCount} x {itemCount} matrix", nameof(interactions));
            }
            kept.Add(current);
        }

        NonZeros = kept.Count;
        _userStart = new int[userCount + 1];
        _userItems = new int[kept.Count];
        _userRatings = new float[kept.Count];
        _userTimes = new long[kept.Count];
        foreach (var i in kept)
        {
            _userStart[i.User + 1]++;
        }
        for (var u = 0; u < userCount; u++)
        {
            _userStart[u + 1] += _userStart[u];
        }
        for (var n = 0; n < kept.Count; n++) // kept is sorted by (user, item)
        {
            _userItems[n] = kept[n].Item;
            _userRatings[n] = kept[n].Rating;
            _userTimes[n] = kept[n].Timestamp;
        }

        _itemStart = new int[itemCount + 1];
        _itemUsers = new int[kept.Count];
        _itemRatings = new float[kept.Count];
        foreach (var i in kept)
        {
            _itemStart[i.Item + 1]++;
        }
        for (var j = 0; j < itemCount; j++)
        {
            _itemStart[j + 1] += _itemStart[j];
        }
        var fill = (int[])_itemStart.Clone();
        foreach (var i in kept) // users ascending within each item
        {
            var slot = fill[i.Item]++;
            _itemUsers[slot] = i.User;
            _itemRatings[slot] = i.Rating;
        }
    }

    public int UserCount { get; }

    public int ItemCount { get; }

    /// <summary>Distinct (user, item) pairs.</summary>
    public int NonZeros { get; }

    /// <summary>The user's items, ascending.</summary>
    public ReadOnlySpan<int> ItemsOf(int user) => _userItems.AsSpan(_userStart[user], _userStart[user + 1] - _userStart[user]);

    /// <summary>Ratings aligned with <see cref="ItemsOf"/>.</summary>
    public ReadOnlySpan<float> RatingsOf(int user) => _userRatings.AsSpan(_userStart[user], _userStart[user + 1] - _userStart[user]);

    /// <summary>Timestamps aligned with <see cref="ItemsOf"/>.</summary>
    public ReadOnlySpan<long> TimesOf(int user) => _userTimes.AsSpan(_userStart[user], _userStart[user + 1] - _userStart[user]);

    /// <summary>The item's users, ascending.</summary>
    public ReadOnlySpan<int> UsersOf(int item) => _itemUsers.AsSpan(_itemStart[item], _itemStart[item + 1] - _itemStart[item]);

    /// <summary>Ratings aligned with <see cref="UsersOf"/>.</summary>
    public ReadOnlySpan<float> ItemRatingsOf(int item) => _itemRatings.AsSpan(_itemStart[item], _itemStart[item + 1] - _itemStart[item]);

    public int UserDegree(int user) => _userStart[user + 1] - _userStart[user];

    public int ItemDegree(int item) => _itemStart[item + 1] - _itemStart[item];

    /// <summary>Whether the user interacted with the item (binary search in the user's row).</summary>
    public bool Contains(int user, int item) => ItemsOf(user).BinarySearch(item) >= 0;
}
