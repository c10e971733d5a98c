using System.Text.Json;
using RecSys.Models.Data;

namespace RecSys.Models.Ranking;

/// <summary>A user's encoded side: id (index + 1, 0 = unknown), demographics ids and rating statistics.</summary>
public sealed record UserSide(int Id, int Gender, int Age, int Occupation, UserStatisticsFeatures Statistics);

/// <summary>An item's encoded side: id (index + 1, 0 = unknown), genre ids, title token ids, year bucket, statistics.</summary>
public sealed record ItemSide(int Id, int[] Genres, int[] Title, int Year, ItemStatisticsFeatures Statistics);

/// <summary>
/// Everything needed to turn (user, item, time, history) into one example of a <see cref="FeatureMap"/>: the map, the
/// encoded users and items with their statistics from the TRAINING events, and the row encoder. Built once at
/// training time and saved with the model (<c>features.json</c>), so serving encodes exactly as training did; a
/// live user's statistics come from a <see cref="UserStatistics"/> fed by the user's events instead.
/// </summary>
public sealed class RankingFeatures
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    private readonly FeatureEncoder _encoder;

    public RankingFeatures(FeatureMap map, IReadOnlyList<UserSide> users, IReadOnlyList<ItemSide> items)
    {
        if (users.Count != map.Users || items.Count != map.Items)
        {
            throw new ArgumentException($"{users.Count} users and {items.Count} items for a map of {map.Users} and {map.Items}");
        }
        Map = map;
        Users = users;
        Items = items;
        _encoder = Vocabularies(map).Encoder();
    }

    public FeatureMap Map { get; }

    /// <summary>Aligned with the dataset's user indices; statistics over all training events.</summary>
    public IReadOnlyList<UserSide> Users { get; }

    /// <summary>Aligned with the dataset's item indices; statistics over all training events.</summary>
    public IReadOnlyList<ItemSide> Items { get; }

    /// <summary>The vocabularies of <paramref name="map"/> as a <see cref="SideFeatures"/> (no users or items).</summary>
    public static SideFeatures Vocabularies(FeatureMap map) => new()
    {
        Genders = map.Genders,
        Occupations = map.Occupations,
        Genres = map.Genres,
        TitleTokens = map.TitleTokens,
        UserGender = [],
        UserAge = [],
        UserOccupation = [],
        ItemGenres = [],
        ItemTitle = [],
    };

    /// <summary>
    /// Encodes every user and item of the catalogue with statistics from <paramref name="userStatistics"/> and
    /// <paramref name="itemStatistics"/> (which must hold training events only).
    /// </summary>
    public static RankingFeatures Build(
        FeatureMap map,
        IReadOnlyList<UserInfo> userInfos,
        IReadOnlyList<ItemInfo> itemInfos,
        IReadOnlyList<UserStatistics> userStatistics,
        IReadOnlyList<ItemStatistics> itemStatistics)
    {
        var encoder = Vocabularies(map).Encoder();
        var users = new UserSide[map.Users];
        for (var u = 0; u < map.Users; u++)
        {
            var (gender, age, occupation) = u < userInfos.Count ? encoder.User(userInfos[u]) : (0, 0, 0);
            users[u] = new UserSide(u + 1, gender, age, occupation, userStatistics[u].Features(map.Prior));
        }
        var items = new ItemSide[map.Items];
        for (var i = 0; i < map.Items; i++)
        {
            items[i] = EncodeItem(encoder, i, i < itemInfos.Count ? itemInfos[i] : null, itemStatistics[i].Features(map.Prior));
        }
        return new RankingFeatures(map, users, items);
    }

    /// <summary>
    /// The side of a user at serving time: a known user (index ≥ 0) keeps its id and demographics; the statistics are
    /// recomputed from <paramref name="live"/> when given (the user's events so far), else the training ones are used.
    /// Unknown users (index −1) are encoded from <paramref name="info"/> with id 0.
    /// </summary>
    public UserSide User(int userIndex, UserInfo? info = null, UserStatistics? live = null)
    {
        if (userIndex >= Map.Users)
        {
            throw new ArgumentOutOfRangeException(nameof(userIndex), userIndex, $"the model knows {Map.Users} users");
        }
        var known = userIndex >= 0 ? Users[userIndex] : null;
        var (gender, age, occupation) = info is not null ? _encoder.User(info) : known is null ? (0, 0, 0) : (known.Gender, known.Age, known.Occupation);
        var statistics = live?.Features(Map.Prior) ?? known?.Statistics ?? new UserStatistics().Features(Map.Prior);
        return new UserSide(known?.Id ?? 0, gender, age, occupation, statistics);
    }

    internal static ItemSide EncodeItem(FeatureEncoder encoder, int index, ItemInfo? info, ItemStatisticsFeatures statistics)
    {
        var (genres, title) = info is null ? ([0], [0]) : encoder.Item(info);
        return new ItemSide(index + 1, genres, title, YearBuckets.Of(info?.Year), statistics);
    }

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(new { Users, Items }, Json));

    /// <summary>Reads what <see cref="Save"/> wrote, for the map saved beside it.</summary>
    public static RankingFeatures Load(string path, FeatureMap map)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var users = document.RootElement.GetProperty("users").Deserialize<UserSide[]>(Json) ?? [];
        var items = document.RootElement.GetProperty("items").Deserialize<ItemSide[]>(Json) ?? [];
        return new RankingFeatures(map, users, items);
    }
}
