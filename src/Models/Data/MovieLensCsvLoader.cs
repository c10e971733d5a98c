using System.Text;

namespace RecSys.Models.Data;

/// <summary>
/// Reads the CSV MovieLens layouts (25M, 20M, latest, latest-small): <c>ratings.csv</c>
/// (<c>userId,movieId,rating,timestamp</c>, required), <c>movies.csv</c> (<c>movieId,title,genres</c>, quoted
/// titles, <c>|</c>-separated genres) and <c>tags.csv</c> (<c>userId,movieId,tag,timestamp</c>; each movie keeps
/// its most used tags). UTF-8, one header line per file.
/// </summary>
public static class MovieLensCsvLoader
{
    /// <summary>Tags kept per movie, most frequent first.</summary>
    public const int TagsPerItem = 10;

    public static InteractionDataset Load(string directory, string name = "movielens-25m", BadLines? badLines = null)
    {
        badLines ??= new BadLines();
        TextLines.RequireFolder(directory, "MovieLens CSV");
        var ratingsPath = TextLines.RequireFile(directory, "ratings.csv");
        var builder = new DatasetBuilder(name);

        var moviesPath = Path.Combine(directory, "movies.csv");
        if (File.Exists(moviesPath))
        {
            foreach (var (line, text) in TextLines.Read(moviesPath, Encoding.UTF8, skipHeader: true))
            {
                var fields = CsvFields.Split(text, ',', out var quoting);
                if (fields is null || fields.Count != 3)
                {
                    badLines.Report(moviesPath, line, quoting ?? $"expected 3 fields (movieId, title, genres), found {fields!.Count}");
                    continue;
                }
                if (MovieLensFields.CheckId(fields[0], "movie id") is { } problem)
                {
                    badLines.Report(moviesPath, line, problem);
                    continue;
                }
                var genres = fields[2] == "(no genres listed)"
                    ? []
                    : fields[2].Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var title = fields[1].Trim();
                if (!builder.AddItem(new ItemInfo(fields[0].Trim(), title, genres, [], MovieLensFields.TitleYear(title))))
                {
                    badLines.Report(moviesPath, line, $"movie {fields[0].Trim()} is listed twice");
                }
            }
            builder.RequireItemsFrom(moviesPath);
        }

        foreach (var (line, text) in TextLines.Read(ratingsPath, Encoding.UTF8, skipHeader: true))
        {
            var fields = text.Split(',');
            if (fields.Length != 4)
            {
                badLines.Report(ratingsPath, line, $"expected 4 fields (userId, movieId, rating, timestamp), found {fields.Length}");
                continue;
            }
            if (MovieLensFields.Interaction(fields[0], fields[1], fields[2], fields[3], builder) is { } problem)
            {
                badLines.Report(ratingsPath, line, problem);
            }
        }

        var tagsPath = Path.Combine(directory, "tags.csv");
        if (File.Exists(tagsPath))
        {
            var counts = new Dictionary<string, Dictionary<string, int>>(StringComparer.Ordinal);
            foreach (var (line, text) in TextLines.Read(tagsPath, Encoding.UTF8, skipHeader: true))
            {
                var fields = CsvFields.Split(text, ',', out var quoting);
                if (fields is null || fields.Count != 4)
                {
                    badLines.Report(tagsPath, line, quoting ?? $"expected 4 fields (userId, movieId, tag, timestamp), found {fields!.Count}");
                    continue;
                }
                var movie = fields[1].Trim();
                var tag = fields[2].Trim().ToLowerInvariant();
                if (tag.Length == 0 || !builder.HasItem(movie))
                {
                    continue; // tags on movies without ratings or catalogue entries carry nothing we can use
                }
                if (!counts.TryGetValue(movie, out var perMovie))
                {
                    counts[movie] = perMovie = new Dictionary<string, int>(StringComparer.Ordinal);
                }
                perMovie[tag] = perMovie.GetValueOrDefault(tag) + 1;
            }
            foreach (var (movie, perMovie) in counts)
            {
                var top = perMovie.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal)
                    .Take(TagsPerItem).Select(kv => kv.Key).ToArray();
                builder.TryUpdateItem(movie, item => item with { Tags = top });
            }
        }
        return builder.Build();
    }
}
