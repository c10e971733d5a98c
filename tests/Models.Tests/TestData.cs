using RecSys.Models.Data;

namespace RecSys.Models.Tests;

/// <summary>Builds small datasets by hand for unit tests.</summary>
internal static class TestData
{
    public static InteractionDataset Dataset(params (string User, string Item)[] pairs) =>
        Dataset(pairs.Select(p => (p.User, p.Item, 1f)).ToArray());

    public static InteractionDataset Dataset(params (string User, string Item, float Rating)[] triples) =>
        Dataset(triples.Select((t, i) => (t.User, t.Item, t.Rating, (long)i)).ToArray());

    public static InteractionDataset Dataset(params (string User, string Item, float Rating, long Timestamp)[] rows)
    {
        var users = new IdVocabulary();
        var items = new IdVocabulary();
        var interactions = rows
            .Select(r => new Interaction(users.GetOrAdd(r.User), items.GetOrAdd(r.Item), r.Rating, r.Timestamp))
            .ToArray();
        return new InteractionDataset(
            "test",
            users,
            items,
            users.Ids.Select(id => new UserInfo(id)).ToList(),
            items.Ids.Select(id => new ItemInfo(id, "title " + id, [], [])).ToList(),
            interactions);
    }
}
