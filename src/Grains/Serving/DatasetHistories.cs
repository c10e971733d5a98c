using RecSys.Grains.Contracts;
using RecSys.Models.Data;

namespace RecSys.Grains.Serving;

/// <summary>
/// The interactions of the dataset this silo loaded, per user, so a user known from the dataset starts with that
/// history in its grain (<see cref="UserGrain"/> seeds itself on first activation) instead of being a stranger until
/// it posts new events. One per silo; every silo loads the same dataset. Users of the dataset are user ids; their
/// interactions become <see cref="EventType.Rating"/> events when the dataset has explicit ratings, else
/// <see cref="EventType.View"/> events, with the dataset's times.
/// </summary>
public sealed class DatasetHistories
{
    private volatile Loaded? _loaded;

    /// <summary>Called once the silo has loaded its dataset.</summary>
    public void Use(InteractionDataset dataset)
    {
        var byUser = dataset.InteractionsByUser();
        var explicitRatings = dataset.Interactions.Any(i => i.Rating != 1f);
        _loaded = new Loaded(dataset, byUser, explicitRatings);
    }

    /// <summary>The fingerprint of the loaded dataset, or null before it is loaded.</summary>
    public string? Fingerprint => _loaded?.Dataset.Fingerprint;

    /// <summary>
    /// The dataset's events of <paramref name="userId"/> in time order (empty for a user the dataset does not know),
    /// each with a stable id; null before the silo has loaded its dataset.
    /// </summary>
    public IReadOnlyList<UserEvent>? Get(string userId)
    {
        if (_loaded is not { } loaded)
        {
            return null;
        }
        if (!loaded.Dataset.Users.TryGetIndex(userId, out var user))
        {
            return [];
        }
        var interactions = loaded.ByUser[user];
        var events = new UserEvent[interactions.Length];
        for (var n = 0; n < interactions.Length; n++)
        {
            events[n] = ToEvent(loaded.Dataset, interactions[n], n, loaded.ExplicitRatings);
        }
        return events;
    }

    /// <summary>
    /// The <paramref name="n"/>-th interaction (in time order) of a user of <paramref name="dataset"/> as an event: a
    /// rating with its value when the dataset has explicit ratings, else a view; its id is stable for the dataset
    /// ("dataset-&lt;fingerprint&gt;-&lt;n&gt;"), so the event log and a user grain recognise it again.
    /// </summary>
    public static UserEvent ToEvent(InteractionDataset dataset, Interaction interaction, int n, bool explicitRatings) => new(
        dataset.Items[interaction.Item],
        explicitRatings ? EventType.Rating : EventType.View,
        explicitRatings ? interaction.Rating : null,
        DateTimeOffset.FromUnixTimeSeconds(interaction.Timestamp),
        "dataset-" + dataset.Fingerprint[..12] + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>
    /// True if the dataset holds an interaction of <paramref name="userId"/> with <paramref name="itemId"/> at
    /// <paramref name="timestamp"/> (to the second): a client posting the loaded history again (to make users "live")
    /// must not double it.
    /// </summary>
    public bool Contains(string userId, string itemId, DateTimeOffset timestamp)
    {
        if (_loaded is not { } loaded || !loaded.Dataset.Users.TryGetIndex(userId, out var user) || !loaded.Dataset.Items.TryGetIndex(itemId, out var item))
        {
            return false;
        }
        var interactions = loaded.ByUser[user];
        var seconds = timestamp.ToUnixTimeSeconds();
        // Sorted by time: find the first interaction at that second, then look at those sharing it.
        int lo = 0, hi = interactions.Length;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (interactions[mid].Timestamp < seconds) lo = mid + 1; else hi = mid;
        }
        for (var n = lo; n < interactions.Length && interactions[n].Timestamp == seconds; n++)
        {
            if (interactions[n].Item == item)
            {
                return true;
            }
        }
        return false;
    }

    private sealed record Loaded(InteractionDataset Dataset, Interaction[][] ByUser, bool ExplicitRatings);
}
