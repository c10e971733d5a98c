using System.Globalization;
using System.Text;

namespace RecSys.Models.Data;

/// <summary>
/// Reads the MovieLens 1M layout: <c>ratings.dat</c> (<c>UserID::MovieID::Rating::Timestamp</c>, required),
/// <c>movies.dat</c> (<c>MovieID::Title::Genres</c>, genres separated by <c>|</c>) and <c>users.dat</c>
/// (<c>UserID::Gender::Age::Occupation::Zip-code</c>, age and occupation as codes). ISO-8859-1 text.
/// </summary>
public static class MovieLens1MLoader
{
    // Occupation codes as listed in the dataset's README.
    private static readonly string[] Occupations =
    [
        "other", "academic/educator", "artist", "clerical/admin", "college/grad student", "customer service",
        "doctor/health care", "executive/managerial", "farmer", "homemaker", "K-12 student", "lawyer", "programmer",
        "retired", "sales/marketing", "scientist", "self-employed", "technician/engineer", "tradesman/craftsman",
        "unemployed", "writer",
    ];

    public static InteractionDataset Load(string directory, BadLines? badLines = null)
    {
        badLines ??= new BadLines();
        TextLines.RequireFolder(directory, "MovieLens-1M");
        var ratingsPath = TextLines.RequireFile(directory, "ratings.dat");
        var builder = new DatasetBuilder("movielens-1m");

        var moviesPath = Path.Combine(directory, "movies.dat");
        if (File.Exists(moviesPath))
        {
            foreach (var (line, text) in TextLines.Read(moviesPath, Encoding.Latin1))
            {
                var fields = text.Split("::");
                if (fields.Length != 3)
                {
                    badLines.Report(moviesPath, line, $"expected 3 '::'-separated fields (id, title, genres), found {fields.Length}");
                    continue;
                }
                if (MovieLensFields.CheckId(fields[0], "movie id") is { } problem)
                {
                    badLines.Report(moviesPath, line, problem);
                    continue;
                }
                var genres = fields[2].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var title = fields[1].Trim();
                if (!builder.AddItem(new ItemInfo(fields[0].Trim(), title, genres, [], MovieLensFields.TitleYear(title))))
                {
                    badLines.Report(moviesPath, line, $"movie {fields[0].Trim()} is listed twice");
                }
            }
            builder.RequireItemsFrom(moviesPath);
        }

        var usersPath = Path.Combine(directory, "users.dat");
        if (File.Exists(usersPath))
        {
            foreach (var (line, text) in TextLines.Read(usersPath, Encoding.Latin1))
            {
                var fields = text.Split("::");
                if (fields.Length != 5)
                {
                    badLines.Report(usersPath, line, $"expected 5 '::'-separated fields (id, gender, age, occupation, zip), found {fields.Length}");
                    continue;
                }
                if (MovieLensFields.CheckId(fields[0], "user id") is { } problem)
                {
                    badLines.Report(usersPath, line, problem);
                    continue;
                }
                if (!int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var age)
                    || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var occupation)
                    || occupation >= Occupations.Length)
                {
                    badLines.Report(usersPath, line, $"age code '{fields[2]}' or occupation code '{fields[3]}' is not valid");
                    continue;
                }
                if (!builder.AddUser(new UserInfo(fields[0].Trim(), age, fields[1].Trim(), Occupations[occupation])))
                {
                    badLines.Report(usersPath, line, $"user {fields[0].Trim()} is listed twice");
                }
            }
            builder.RequireUsersFrom(usersPath);
        }

        foreach (var (line, text) in TextLines.Read(ratingsPath, Encoding.Latin1))
        {
            var fields = text.Split("::");
            if (fields.Length != 4)
            {
                badLines.Report(ratingsPath, line, $"expected 4 '::'-separated fields (user, movie, rating, timestamp), found {fields.Length}");
                continue;
            }
            if (MovieLensFields.Interaction(fields[0], fields[1], fields[2], fields[3], builder) is { } problem)
            {
                badLines.Report(ratingsPath, line, problem);
            }
        }
        return builder.Build();
    }
}
