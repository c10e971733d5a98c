using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace RecSys.Models.Data;

/// <summary>
/// Reads the MovieLens 100K folder layout (GroupLens): <c>u.data</c> (tab-separated user, item, rating 1–5,
/// unix time; required), <c>u.item</c> (<c>|</c>-separated id, title with year, release date, video date,
/// IMDb URL, 19 genre flags; ISO-8859-1) and <c>u.user</c> (id, age, gender, occupation, zip). The catalogue
/// files are optional; when present, every rating must refer to a listed item and user.
/// A malformed line stops the load with <see cref="DataFormatException"/> naming file and line, unless
/// <see cref="BadLines.Skip"/> is set.
/// </summary>
public static partial class MovieLens100KLoader
{
    /// <summary>The genre order of u.item's flag columns (as listed in u.genre).</summary>
    public static readonly IReadOnlyList<string> Genres =
    [
        "unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
        "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War", "Western",
    ];

    public static InteractionDataset Load(string directory, BadLines? badLines = null)
    {
        badLines ??= new BadLines();
        TextLines.RequireFolder(directory, "MovieLens-100K");
        var dataPath = TextLines.RequireFile(directory, "u.data");
        var builder = new DatasetBuilder("movielens-100k");

        var itemPath = Path.Combine(directory, "u.item");
        if (File.Exists(itemPath))
        {
            ReadItems(itemPath, builder, badLines);
            builder.RequireItemsFrom(itemPath);
        }
        var userPath = Path.Combine(directory, "u.user");
        if (File.Exists(userPath))
        {
            ReadUsers(userPath, builder, badLines);
            builder.RequireUsersFrom(userPath);
        }

        foreach (var (line, text) in TextLines.Read(dataPath, Encoding.Latin1))
        {
            var fields = text.Split('\t');
            if (fields.Length != 4)
            {
                badLines.Report(dataPath, line, $"expected 4 tab-separated fields (user, item, rating, timestamp), found {fields.Length}");
                continue;
            }
            var problem = MovieLensFields.Interaction(fields[0], fields[1], fields[2], fields[3], builder);
            if (problem is not null)
            {
                badLines.Report(dataPath, line, problem);
            }
        }
        return builder.Build();
    }

    private static void ReadItems(string path, DatasetBuilder builder, BadLines badLines)
    {
        foreach (var (line, text) in TextLines.Read(path, Encoding.Latin1))
        {
            var fields = text.Split('|');
            if (fields.Length != 5 + Genres.Count)
            {
                badLines.Report(path, line, $"expected {5 + Genres.Count} '|'-separated fields, found {fields.Length}");
                continue;
            }
            if (MovieLensFields.CheckId(fields[0], "item id") is { } idProblem)
            {
                badLines.Report(path, line, idProblem);
                continue;
            }
            var genres = new List<string>();
            string? flagProblem = null;
            for (var g = 0; g < Genres.Count && flagProblem is null; g++)
            {
                switch (fields[5 + g])
                {
                    case "1":
                        genres.Add(Genres[g]);
                        break;
                    case "0":
                        break;
                    default:
                        flagProblem = $"genre flag {g + 1} is '{fields[5 + g]}', expected 0 or 1";
                        break;
                }
            }
            if (flagProblem is not null)
            {
                badLines.Report(path, line, flagProblem);
                continue;
            }
            var id = fields[0].Trim();
            var title = fields[1].Trim();
            if (!builder.AddItem(new ItemInfo(id, title, genres, [], ParseYear(title, fields[2]))))
            {
                badLines.Report(path, line, $"item {id} is listed twice");
            }
        }
    }

    private static void ReadUsers(string path, DatasetBuilder builder, BadLines badLines)
    {
        foreach (var (line, text) in TextLines.Read(path, Encoding.Latin1))
        {
            var fields = text.Split('|');
            if (fields.Length != 5)
            {
                badLines.Report(path, line, $"expected 5 '|'-separated fields (id, age, gender, occupation, zip), found {fields.Length}");
                continue;
            }
            if (MovieLensFields.CheckId(fields[0], "user id") is { } idProblem)
            {
                badLines.Report(path, line, idProblem);
                continue;
            }
            if (!int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var age) || age is < 0 or > 150)
            {
                badLines.Report(path, line, $"age '{fields[1]}' is not a number in 0..150");
                continue;
            }
            var id = fields[0].Trim();
            if (!builder.AddUser(new UserInfo(id, age, fields[2], fields[3])))
            {
                badLines.Report(path, line, $"user {id} is listed twice");
            }
        }
    }

    internal static int? ParseYear(string title, string releaseDate)
    {
        var year = MovieLensFields.TitleYear(title);
        if (year is not null)
        {
            return year;
        }
        return DateTime.TryParseExact(releaseDate, "dd-MMM-yyyy", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.Year
            : null;
    }
}

/// <summary>Field checks shared by the MovieLens loaders.</summary>
internal static partial class MovieLensFields
{
    /// <summary>9999-12-31T23:59:59Z, the last second <see cref="DateTimeOffset"/> can represent.</summary>
    public const long MaxUnixSeconds = 253_402_300_799;

    /// <summary>Null when <paramref name="field"/> is a positive integer id.</summary>
    public static string? CheckId(string field, string what)
    {
        var id = field.Trim();
        return id.Length == 0 || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _)
            ? $"{what} '{field}' is not a positive integer"
            : null;
    }

    /// <summary>Validates and adds one rating; returns the problem, or null.</summary>
    public static string? Interaction(string user, string item, string rating, string timestamp, DatasetBuilder builder)
    {
        if (CheckId(user, "user id") is { } userProblem)
        {
            return userProblem;
        }
        if (CheckId(item, "item id") is { } itemProblem)
        {
            return itemProblem;
        }
        if (!float.TryParse(rating, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 5)
        {
            return $"rating '{rating}' is not a number in 0..5";
        }
        if (!long.TryParse(timestamp, NumberStyles.Integer, CultureInfo.InvariantCulture, out var time) || time is < 0 or > MaxUnixSeconds)
        {
            return $"timestamp '{timestamp}' is not a unix time between 1970 and 9999";
        }
        return builder.TryAddInteraction(user.Trim(), item.Trim(), value, time);
    }

    /// <summary>The year in a title such as "Toy Story (1995)".</summary>
    public static int? TitleYear(string title)
    {
        var match = YearSuffix().Match(title);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
    }

    [GeneratedRegex(@"\((\d{4})\)\s*$")]
    private static partial Regex YearSuffix();
}
