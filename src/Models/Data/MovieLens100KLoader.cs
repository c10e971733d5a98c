using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RecSys.Models.Data;

/// <summary>
/// Reads the MovieLens 100K folder layout (GroupLens): <c>u.data</c> (tab-separated user, item, rating 1–5,
/// unix time; required), <c>u.item</c> (<c>|</c>-separated id, title with year, release date, video date,
/// IMDb URL, 19 genre flags; ISO-8859-1) and <c>u.user</c> (id, age, gender, occupation, zip). The catalogue
/// files are optional; when present, every rating must refer to a listed item and user.
/// A malformed line stops the load with <see cref="DataFormatException"/> naming file and line.
/// </summary>
public static partial class MovieLens100KLoader
{
    /// <summary>The genre order of u.item's flag columns (as listed in u.genre).</summary>
    public static readonly IReadOnlyList<string> Genres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    // MovieLens files predate UTF-8 and are ISO-8859-1 encoded (titles such as "Misérables").
    private static readonly Encoding Latin1 = Encoding.Latin1;

    public static InteractionDataset Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"MovieLens-100K folder not found: {directory}");
        }
        var dataPath = Path.Combine(directory, "u.data");
        if (!File.Exists(dataPath))
        {
            throw new FileNotFoundException($"MovieLens-100K ratings file not found: {dataPath}", dataPath);
        }

        var items = new IdVocabulary();
        var itemInfos = new List<ItemInfo>();
        var itemPath = Path.Combine(directory, "u.item");
        var hasCatalogue = File.Exists(itemPath);
        if (hasCatalogue)
        {
            foreach (var (line, item) in ReadItems(itemPath))
            {
                if (items.Contains(item.Id))
                {
                    throw new DataFormatException(itemPath, line, $"item {item.Id} is listed twice");
                }
                items.GetOrAdd(item.Id);
                itemInfos.Add(item);
            }
        }

        var users = new IdVocabulary();
        var userInfos = new List<UserInfo>();
        var userPath = Path.Combine(directory, "u.user");
        var hasUsers = File.Exists(userPath);
        if (hasUsers)
        {
            foreach (var (line, user) in ReadUsers(userPath))
            {
                if (users.Contains(user.Id))
                {
                    throw new DataFormatException(userPath, line, $"user {user.Id} is listed twice");
                }
                users.GetOrAdd(user.Id);
                userInfos.Add(user);
            }
        }

        var interactions = new List<Interaction>(100_000);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(dataPath, Latin1))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split('\t');
            if (fields.Length != 4)
            {
                throw new DataFormatException(dataPath, lineNumber, $"expected 4 tab-separated fields (user, item, rating, timestamp), found {fields.Length}");
            }
            var userId = RequireId(fields[0], dataPath, lineNumber, "user id");
            var itemId = RequireId(fields[1], dataPath, lineNumber, "item id");
            if (!float.TryParse(fields[2], NumberStyles.Float, CultureInfo.InvariantCulture, out var rating) || rating is < 0 or > 5)
            {
                throw new DataFormatException(dataPath, lineNumber, $"rating '{fields[2]}' is not a number in 0..5");
            }
            if (!long.TryParse(fields[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var timestamp) || timestamp < 0)
            {
                throw new DataFormatException(dataPath, lineNumber, $"timestamp '{fields[3]}' is not a non-negative unix time");
            }

            int user;
            if (hasUsers)
            {
                if (!users.TryGetIndex(userId, out user))
                {
                    throw new DataFormatException(dataPath, lineNumber, $"user {userId} is not listed in u.user");
                }
            }
            else
            {
                user = users.GetOrAdd(userId);
                if (user == userInfos.Count)
                {
                    userInfos.Add(new UserInfo(userId));
                }
            }

            int item;
            if (hasCatalogue)
            {
                if (!items.TryGetIndex(itemId, out item))
                {
                    throw new DataFormatException(dataPath, lineNumber, $"item {itemId} is not listed in u.item");
                }
            }
            else
            {
                item = items.GetOrAdd(itemId);
                if (item == itemInfos.Count)
                {
                    itemInfos.Add(new ItemInfo(itemId, "", [], []));
                }
            }

            interactions.Add(new Interaction(user, item, rating, timestamp));
        }

        return new InteractionDataset("movielens-100k", users, items, userInfos, itemInfos, [.. interactions]);
    }

    internal static IEnumerable<(int Line, ItemInfo Item)> ReadItems(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Latin1))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split('|');
            if (fields.Length != 5 + Genres.Count)
            {
                throw new DataFormatException(path, lineNumber, $"expected {5 + Genres.Count} '|'-separated fields, found {fields.Length}");
            }
            var id = RequireId(fields[0], path, lineNumber, "item id");
            var genres = new List<string>();
            for (var g = 0; g < Genres.Count; g++)
            {
                switch (fields[5 + g])
                {
                    case "1":
                        genres.Add(Genres[g]);
                        break;
                    case "0":
                        break;
                    default:
                        throw new DataFormatException(path, lineNumber, $"genre flag {g + 1} is '{fields[5 + g]}', expected 0 or 1");
                }
            }
            yield return (lineNumber, new ItemInfo(id, fields[1].Trim(), genres, [], ParseYear(fields[1], fields[2])));
        }
    }

    internal static IEnumerable<(int Line, UserInfo User)> ReadUsers(string path)
    {
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path, Latin1))
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split('|');
            if (fields.Length != 5)
            {
                throw new DataFormatException(path, lineNumber, $"expected 5 '|'-separated fields (id, age, gender, occupation, zip), found {fields.Length}");
            }
            var id = RequireId(fields[0], path, lineNumber, "user id");
            if (!int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var age) || age is < 0 or > 150)
            {
                throw new DataFormatException(path, lineNumber, $"age '{fields[1]}' is not a number in 0..150");
            }
            yield return (lineNumber, new UserInfo(id, age, fields[2], fields[3]));
        }
    }

    private static string RequireId(string field, string path, int line, string what)
    {
        var id = field.Trim();
        if (id.Length == 0 || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            throw new DataFormatException(path, line, $"{what} '{field}' is not a positive integer");
        }
        return id;
    }

    private static int? ParseYear(string title, string releaseDate)
    {
        var match = TitleYear().Match(title);
        if (match.Success)
        {
            return int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        }
        return DateTime.TryParseExact(releaseDate, "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.Year
            : null;
    }

    [GeneratedRegex(@"\((\d{4})\)\s*$")]
    private static partial Regex TitleYear();
}
