namespace RecSys.Models.Data;

/// <summary>Filters applied after loading, before splitting.</summary>
public static class DatasetFilters
{
    /// <summary>Keeps interactions rated at least <paramref name="minRating"/>; users and items stay in the vocabularies.</summary>
    public static InteractionDataset MinRating(InteractionDataset dataset, float minRating) =>
        Rebuild(dataset, [.. dataset.Interactions.Where(i => i.Rating >= minRating)], compact: false, $"rating>={minRating}");

    /// <summary>
    /// The k-core: repeatedly drops users and items with fewer than <paramref name="k"/> interactions until every
    /// remaining user and item has at least k. Users and items left without interactions are removed.
    /// </summary>
    public static InteractionDataset KCore(InteractionDataset dataset, int k)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var kept = dataset.Interactions;
        while (true)
        {
            var perUser = new int[dataset.UserCount];
            var perItem = new int[dataset.ItemCount];
            foreach (var i in kept)
            {
                perUser[i.User]++;
                perItem[i.Item]++;
            }
            var next = kept.Where(i => perUser[i.User] >= k && perItem[i.Item] >= k).ToArray();
            if (next.Length == kept.Length)
            {
                break;
            }
            kept = next;
        }
        return Rebuild(dataset, kept, compact: true, $"{k}-core");
    }

    /// <summary>
    /// The dataset restricted to <paramref name="interactions"/> (a part of its own), with only the users and items
    /// that keep some, named "&lt;name&gt;|<paramref name="label"/>": e.g. the training part a served evaluation loads.
    /// </summary>
    public static InteractionDataset Subset(InteractionDataset dataset, Interaction[] interactions, string label) =>
        Rebuild(dataset, interactions, compact: true, label);

    /// <summary>
    /// Splits each user's interactions, in time order (ties keep input order), into sessions wherever two consecutive
    /// ones are more than <paramref name="gap"/> apart. Each session becomes a user with id <c>&lt;user&gt;#&lt;n&gt;</c>
    /// (n = 1, 2, ... in time order) and the user's attributes; items and interactions stay, in input order. Users
    /// without interactions disappear.
    /// </summary>
    public static InteractionDataset Sessions(InteractionDataset dataset, TimeSpan gap)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(gap, TimeSpan.FromSeconds(1));
        var gapSeconds = (long)Math.Floor(gap.TotalSeconds);
        var perUser = new List<int>?[dataset.UserCount];
        for (var n = 0; n < dataset.Interactions.Length; n++)
        {
            (perUser[dataset.Interactions[n].User] ??= []).Add(n);
        }
        var users = new IdVocabulary();
        var userInfos = new List<UserInfo>();
        var sessionOf = new int[dataset.Interactions.Length];
        for (var u = 0; u < dataset.UserCount; u++)
        {
            if (perUser[u] is not { } positions)
            {
                continue;
            }
            // Stable by time: (timestamp, input position).
            positions.Sort((a, b) => (dataset.Interactions[a].Timestamp, a).CompareTo((dataset.Interactions[b].Timestamp, b)));
            var number = 0;
            var session = -1;
            long last = 0;
            foreach (var n in positions)
            {
                var time = dataset.Interactions[n].Timestamp;
                if (session < 0 || time - last > gapSeconds)
                {
                    var id = $"{dataset.Users[u]}#{++number}";
                    session = users.GetOrAdd(id);
                    userInfos.Add(dataset.UserInfos[u] with { Id = id });
                }
                sessionOf[n] = session;
                last = time;
            }
        }
        var interactions = new Interaction[dataset.Interactions.Length];
        for (var n = 0; n < interactions.Length; n++)
        {
            interactions[n] = dataset.Interactions[n] with { User = sessionOf[n] };
        }
        return new InteractionDataset($"{dataset.Name}|sessions(gap {FormatGap(gap)})", users, dataset.Items, userInfos, dataset.ItemInfos, interactions);
    }

    /// <summary>"30m", "1h", "1d", "90s": the largest unit that divides the gap.</summary>
    public static string FormatGap(TimeSpan gap) =>
        gap.Ticks % TimeSpan.TicksPerDay == 0 ? $"{gap.Ticks / TimeSpan.TicksPerDay}d"
        : gap.Ticks % TimeSpan.TicksPerHour == 0 ? $"{gap.Ticks / TimeSpan.TicksPerHour}h"
        : gap.Ticks % TimeSpan.TicksPerMinute == 0 ? $"{gap.Ticks / TimeSpan.TicksPerMinute}m"
        : $"{(long)gap.TotalSeconds}s";

    /// <summary>A dataset with the given interactions; with <paramref name="compact"/>, only users and items that keep some.</summary>
    internal static InteractionDataset Rebuild(InteractionDataset dataset, Interaction[] interactions, bool compact, string filter)
    {
        var name = $"{dataset.Name}|{filter}";
        if (!compact)
        {
            return new InteractionDataset(name, dataset.Users, dataset.Items, dataset.UserInfos, dataset.ItemInfos, interactions);
        }
        var userMap = new int[dataset.UserCount];
        var itemMap = new int[dataset.ItemCount];
        Array.Fill(userMap, -1);
        Array.Fill(itemMap, -1);
        var users = new IdVocabulary();
        var items = new IdVocabulary();
        var userInfos = new List<UserInfo>();
        var itemInfos = new List<ItemInfo>();
        var remapped = new Interaction[interactions.Length];
        for (var n = 0; n < interactions.Length; n++)
        {
            var i = interactions[n];
            if (userMap[i.User] < 0)
            {
                userMap[i.User] = users.GetOrAdd(dataset.Users[i.User]);
                userInfos.Add(dataset.UserInfos[i.User]);
            }
            if (itemMap[i.Item] < 0)
            {
                itemMap[i.Item] = items.GetOrAdd(dataset.Items[i.Item]);
                itemInfos.Add(dataset.ItemInfos[i.Item]);
            }
            remapped[n] = i with { User = userMap[i.User], Item = itemMap[i.Item] };
        }
        return new InteractionDataset(name, users, items, userInfos, itemInfos, remapped);
    }
}
