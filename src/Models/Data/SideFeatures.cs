using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RecSys.Models.Data;

/// <summary>
/// User and item side features as integer ids for embedding tables, with the vocabularies that made them: user
/// gender, age bucket and occupation; item genres and title tokens. Index 0 of every vocabulary means
/// "unknown / none", so users and items without metadata (or with values first seen after training) still encode.
/// Built from catalogue metadata only (no interactions), so using it for every item does not leak test data.
/// Saved beside model weights so a loaded model encodes exactly as it was trained.
/// </summary>
public sealed record SideFeatures
{
    /// <summary>Longest title, in tokens, that is kept.</summary>
    public const int MaxTitleTokens = 20;

    /// <summary>Upper bounds of the age buckets (MovieLens-1M's: under 18, 18–24, 25–34, 35–44, 45–49, 50–55, 56+).</summary>
    public static readonly int[] AgeBucketBounds = [18, 25, 35, 45, 50, 56];

    public required string[] Genders { get; init; }

    public required string[] Occupations { get; init; }

    public required string[] Genres { get; init; }

    public required string[] TitleTokens { get; init; }

    public required int[] UserGender { get; init; }

    public required int[] UserAge { get; init; }

    public required int[] UserOccupation { get; init; }

    /// <summary>Each item's genre ids; <c>[0]</c> when it has none.</summary>
    public required int[][] ItemGenres { get; init; }

    /// <summary>Each item's title token ids in order; <c>[0]</c> when it has no title.</summary>
    public required int[][] ItemTitle { get; init; }

    public int UserCount => UserGender.Length;

    public int ItemCount => ItemGenres.Length;

    /// <summary>Sizes of the embedding tables, unknown (0) included.</summary>
    public int GenderVocabulary => Genders.Length + 1;

    public int AgeVocabulary => AgeBucketBounds.Length + 2;

    public int OccupationVocabulary => Occupations.Length + 1;

    public int GenreVocabulary => Genres.Length + 1;

    public int TokenVocabulary => TitleTokens.Length + 1;

    /// <summary>
    /// Encodes <paramref name="users"/>/<paramref name="items"/> (aligned with the model's indices; empty lists mean
    /// the source has no metadata, and every user or item is then "unknown").
    /// </summary>
    public static SideFeatures Build(int userCount, int itemCount, IReadOnlyList<UserInfo> users, IReadOnlyList<ItemInfo> items)
    {
        if (users.Count != 0 && users.Count != userCount)
        {
            throw new ArgumentException($"{users.Count} user records for {userCount} users", nameof(users));
        }
        if (items.Count != 0 && items.Count != itemCount)
        {
            throw new ArgumentException($"{items.Count} item records for {itemCount} items", nameof(items));
        }
        // Vocabularies in sorted order, so the encoding does not depend on record order.
        var genders = users.Select(u => u.Gender).OfType<string>().Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var occupations = users.Select(u => u.Occupation).OfType<string>().Where(o => o.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var genres = items.SelectMany(i => i.Categories).Where(g => g.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var tokens = items.SelectMany(i => Tokenize(i.Title)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var features = new SideFeatures
        {
            Genders = genders,
            Occupations = occupations,
            Genres = genres,
            TitleTokens = tokens,
            UserGender = new int[userCount],
            UserAge = new int[userCount],
            UserOccupation = new int[userCount],
            ItemGenres = new int[itemCount][],
            ItemTitle = new int[itemCount][],
        };
        var encoder = features.Encoder();
        for (var u = 0; u < userCount; u++)
        {
            (features.UserGender[u], features.UserAge[u], features.UserOccupation[u]) = u < users.Count ? encoder.User(users[u]) : (0, 0, 0);
        }
        for (var i = 0; i < itemCount; i++)
        {
            (features.ItemGenres[i], features.ItemTitle[i]) = i < items.Count ? encoder.Item(items[i]) : ([0], [0]);
        }
        return features;
    }

    /// <summary>Encodes new users and items with these vocabularies (unseen values become 0).</summary>
    public FeatureEncoder Encoder() => new(this);

    /// <summary>Lower-case letter/digit runs of a title, without a trailing "(1995)"-style year.</summary>
    public static IEnumerable<string> Tokenize(string title)
    {
        var text = title.TrimEnd();
        if (text.Length >= 6 && text[^1] == ')' && text[^6] == '(' && int.TryParse(text.AsSpan(text.Length - 5, 4), NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            text = text[..^6];
        }
        var token = new StringBuilder();
        var count = 0;
        foreach (var c in text.Append(' '))
        {
            if (char.IsLetterOrDigit(c))
            {
                token.Append(char.ToLowerInvariant(c));
            }
            else if (token.Length > 0)
            {
                yield return token.ToString();
                token.Clear();
                if (++count == MaxTitleTokens)
                {
                    yield break;
                }
            }
        }
    }

    public static int AgeBucket(int? age)
    {
        if (age is not { } years || years <= 0)
        {
            return 0;
        }
        var bucket = 0;
        while (bucket < AgeBucketBounds.Length && years >= AgeBucketBounds[bucket])
        {
            bucket++;
        }
        return bucket + 1;
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));

    public static SideFeatures Load(string path) =>
        JsonSerializer.Deserialize<SideFeatures>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path} is empty");
}

/// <summary>Maps raw user and item metadata to the ids of one <see cref="SideFeatures"/> vocabulary.</summary>
public sealed class FeatureEncoder
{
    private readonly Dictionary<string, int> _genders;
    private readonly Dictionary<string, int> _occupations;
    private readonly Dictionary<string, int> _genres;
    private readonly Dictionary<string, int> _tokens;

    internal FeatureEncoder(SideFeatures features)
    {
        static Dictionary<string, int> Index(string[] values) =>
            values.Select((v, n) => (v, n)).ToDictionary(p => p.v, p => p.n + 1, StringComparer.Ordinal);
        _genders = Index(features.Genders);
        _occupations = Index(features.Occupations);
        _genres = Index(features.Genres);
        _tokens = Index(features.TitleTokens);
    }

    public (int Gender, int Age, int Occupation) User(UserInfo user) => (
        user.Gender is { } g ? _genders.GetValueOrDefault(g) : 0,
        SideFeatures.AgeBucket(user.Age),
        user.Occupation is { } o ? _occupations.GetValueOrDefault(o) : 0);

    public (int[] Genres, int[] Title) Item(ItemInfo item)
    {
        int[] genres = [.. item.Categories.Select(c => _genres.GetValueOrDefault(c)).Where(id => id > 0).Distinct()];
        int[] title = [.. SideFeatures.Tokenize(item.Title).Select(t => _tokens.GetValueOrDefault(t))];
        return (genres.Length > 0 ? genres : [0], title.Length > 0 ? title : [0]);
    }
}
