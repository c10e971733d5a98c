using System.Globalization;
using System.Text;
using System.Text.Json;

namespace RecSys.Models.Data;

/// <summary>File formats <see cref="InteractionFileLoader"/> reads.</summary>
public enum InteractionFileFormat
{
    Csv,
    Tsv,
    Jsonl,
}

/// <summary>
/// Where an interaction file keeps each field. Columns are header names (CSV/TSV) or property names (JSONL), matched
/// without regard to case; null means "find it by a usual name" (user: user, userId, user_id, uid, session_id,
/// sessionId, session; item: item, itemId, item_id, iid, movieId, product_id; rating: rating, score, value;
/// timestamp: timestamp, time, ts), so session-rec's <c>SessionId ItemId Time</c> files load as they are.
/// </summary>
public sealed record InteractionFileOptions
{
    public InteractionFileFormat Format { get; init; } = InteractionFileFormat.Csv;

    /// <summary>Field separator for CSV (default ',') and TSV (always tab).</summary>
    public char Delimiter { get; init; } = ',';

    public string? User { get; init; }

    public string? Item { get; init; }

    /// <summary>Rating column; without one every interaction has rating 1.</summary>
    public string? Rating { get; init; }

    /// <summary>
    /// Timestamp column: unix seconds, whole or fractional (<c>1396437466.94</c>; numbers above 10^11 are read as
    /// milliseconds), or ISO-8601. <see cref="Interaction.Timestamp"/> keeps whole seconds, but rows are added in
    /// order of their exact time (file order breaks exact ties), so each user's order within a second is the true
    /// one. Without a column, the line number stands in, so chronological splits follow file order.
    /// </summary>
    public string? Timestamp { get; init; }

    /// <summary>
    /// Optional item catalogue (CSV/TSV by extension, or JSONL): columns item id (itemId, item_id, item, id,
    /// movieId), title, categories (or genres) and tags, lists separated by '|' (JSON arrays in JSONL).
    /// </summary>
    public string? ItemsPath { get; init; }

    /// <summary>Text encoding of both files: UTF-8 (default) or ISO-8859-1 (<c>encoding=latin1</c>).</summary>
    public System.Text.Encoding Encoding { get; init; } = new UTF8Encoding(false);
}

/// <summary>Reads generic interaction logs (CSV, TSV, JSON lines) with a column mapping.</summary>
public static class InteractionFileLoader
{
    private static readonly string[] UserNames = ["user", "userId", "user_id", "uid", "session_id", "sessionId", "session"];
    private static readonly string[] ItemNames = ["item", "itemId", "item_id", "iid", "movieId", "product_id"];
    private static readonly string[] RatingNames = ["rating", "score", "value"];
    private static readonly string[] TimestampNames = ["timestamp", "time", "ts"];
    private static readonly string[] CatalogueIdNames = ["itemId", "item_id", "item", "id", "movieId"];

    public static InteractionDataset Load(string path, InteractionFileOptions options, BadLines? badLines = null)
    {
        badLines ??= new BadLines();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"interaction file not found: {path}", path);
        }
        var builder = new DatasetBuilder(Path.GetFileName(path));
        if (options.ItemsPath is { } itemsPath)
        {
            ReadCatalogue(itemsPath, options.Encoding, builder, badLines);
        }

        var rows = new ChronologicalRows();
        if (options.Format == InteractionFileFormat.Jsonl)
        {
            ReadJsonl(path, options, rows, badLines);
        }
        else
        {
            ReadDelimited(path, options, options.Format == InteractionFileFormat.Tsv ? '\t' : options.Delimiter, rows, badLines);
        }
        rows.AddTo(builder, (line, problem) => badLines.Report(path, line, problem));
        return builder.Build();
    }

    private static void ReadDelimited(string path, InteractionFileOptions options, char delimiter, ChronologicalRows rows, BadLines badLines)
    {
        Header? header = null;
        foreach (var (line, text) in TextLines.Read(path, options.Encoding))
        {
            var fields = CsvFields.Split(text, delimiter, out var quoting);
            if (fields is null)
            {
                if (header is null)
                {
                    throw new DataFormatException(path, line, quoting!);
                }
                badLines.Report(path, line, quoting!);
                continue;
            }
            if (header is null)
            {
                header = new Header(path, fields);
                header.Resolve(options);
                continue;
            }
            if (fields.Count != header.Names.Count)
            {
                badLines.Report(path, line, $"expected {header.Names.Count} fields as in the header, found {fields.Count}");
                continue;
            }
            var problem = Add(
                fields[header.User],
                fields[header.Item],
                header.Rating is { } r ? fields[r] : null,
                header.Timestamp is { } t ? fields[t] : null,
                hasRating: header.Rating is not null,
                hasTimestamp: header.Timestamp is not null,
                line,
                rows);
            if (problem is not null)
            {
                badLines.Report(path, line, problem);
            }
        }
        if (header is null)
        {
            throw new DataFormatException(path, 1, "the file is empty; a header line naming the columns is required");
        }
    }

    private static void ReadJsonl(string path, InteractionFileOptions options, ChronologicalRows rows, BadLines badLines)
    {
        foreach (var (line, text) in TextLines.Read(path, options.Encoding))
        {
            string? problem;
            try
            {
                using var json = JsonDocument.Parse(text);
                if (json.RootElement.ValueKind != JsonValueKind.Object)
                {
                    badLines.Report(path, line, "expected a JSON object");
                    continue;
                }
                var root = json.RootElement;
                // A named field must be present on every line; a guessed one is optional.
                problem = Add(
                    JsonField(root, options.User, UserNames),
                    JsonField(root, options.Item, ItemNames),
                    JsonField(root, options.Rating, options.Rating is null ? RatingNames : []),
                    JsonField(root, options.Timestamp, options.Timestamp is null ? TimestampNames : []),
                    hasRating: options.Rating is not null,
                    hasTimestamp: options.Timestamp is not null,
                    line,
                    rows);
            }
            catch (JsonException ex)
            {
                problem = "malformed JSON: " + ex.Message;
            }
            if (problem is not null)
            {
                badLines.Report(path, line, problem);
            }
        }
    }

    /// <param name="hasRating">The file has (or the mapping names) a rating column: an empty value is an error.</param>
    /// <param name="hasTimestamp">Likewise for the timestamp; without a column the line number stands in.</param>
    private static string? Add(string? user, string? item, string? rating, string? timestamp, bool hasRating, bool hasTimestamp, int line, ChronologicalRows rows)
    {
        if (string.IsNullOrWhiteSpace(user))
        {
            return "the user id is missing";
        }
        if (string.IsNullOrWhiteSpace(item))
        {
            return "the item id is missing";
        }
        var value = 1f;
        if (string.IsNullOrWhiteSpace(rating))
        {
            if (hasRating)
            {
                return "the rating is missing";
            }
        }
        else if (!float.TryParse(rating, NumberStyles.Float, CultureInfo.InvariantCulture, out value) || !float.IsFinite(value))
        {
            return $"rating '{rating}' is not a finite number";
        }
        var ticks = line * ChronologicalRows.TicksPerSecond;
        if (string.IsNullOrWhiteSpace(timestamp))
        {
            if (hasTimestamp)
            {
                return "the timestamp is missing";
            }
        }
        else if (!ChronologicalRows.TryParseTime(timestamp, out ticks))
        {
            return $"timestamp '{timestamp}' is neither unix time (1970..9999) nor ISO-8601";
        }
        rows.Add(user.Trim(), item.Trim(), value, ticks, line);
        return null;
    }

    /// <summary>The field named <paramref name="name"/>, or the first usual name present; an exact match first, then one that differs in case only.</summary>
    private static string? JsonField(JsonElement root, string? name, string[] fallbacks)
    {
        foreach (var candidate in name is null ? fallbacks : [name])
        {
            if (root.TryGetProperty(candidate, out var value) || TryGetPropertyIgnoringCase(root, candidate, out value))
            {
                return value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                };
            }
        }
        return null;
    }

    private static bool TryGetPropertyIgnoringCase(JsonElement root, string name, out JsonElement value)
    {
        foreach (var property in root.EnumerateObject())
        {
            if (property.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                value = property.Value;
                return true;
            }
        }
        value = default;
        return false;
    }

    private static void ReadCatalogue(string path, Encoding encoding, DatasetBuilder builder, BadLines badLines)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"item catalogue not found: {path}", path);
        }
        static string[] List(string? text) =>
            string.IsNullOrWhiteSpace(text) ? [] : text.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

        if (path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            foreach (var (line, text) in TextLines.Read(path, encoding))
            {
                try
                {
                    using var json = JsonDocument.Parse(text);
                    var root = json.RootElement;
                    var id = JsonField(root, null, CatalogueIdNames);
                    if (string.IsNullOrWhiteSpace(id))
                    {
                        badLines.Report(path, line, "the item id is missing");
                        continue;
                    }
                    string[] JsonList(params string[] names)
                    {
                        foreach (var name in names)
                        {
                            if (root.TryGetProperty(name, out var value))
                            {
                                return value.ValueKind == JsonValueKind.Array
                                    ? [.. value.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String).Select(v => v.GetString()!)]
                                    : List(value.ValueKind == JsonValueKind.String ? value.GetString() : null);
                            }
                        }
                        return [];
                    }
                    var title = JsonField(root, "title", []) ?? "";
                    if (!builder.AddItem(new ItemInfo(id.Trim(), title, JsonList("categories", "genres"), JsonList("tags"))))
                    {
                        badLines.Report(path, line, $"item {id} is listed twice");
                    }
                }
                catch (JsonException ex)
                {
                    badLines.Report(path, line, "malformed JSON: " + ex.Message);
                }
            }
            return;
        }

        var delimiter = path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) ? '\t' : ',';
        Header? header = null;
        int? titleColumn = null, categoriesColumn = null, tagsColumn = null;
        foreach (var (line, text) in TextLines.Read(path, encoding))
        {
            var fields = CsvFields.Split(text, delimiter, out var quoting);
            if (fields is null)
            {
                badLines.Report(path, line, quoting!);
                continue;
            }
            if (header is null)
            {
                header = new Header(path, fields);
                header.ResolveCatalogueId(CatalogueIdNames);
                titleColumn = header.Find(["title", "name"]);
                categoriesColumn = header.Find(["categories", "genres", "category"]);
                tagsColumn = header.Find(["tags"]);
                continue;
            }
            if (fields.Count != header.Names.Count)
            {
                badLines.Report(path, line, $"expected {header.Names.Count} fields as in the header, found {fields.Count}");
                continue;
            }
            var id = fields[header.Item].Trim();
            if (id.Length == 0)
            {
                badLines.Report(path, line, "the item id is missing");
                continue;
            }
            var item = new ItemInfo(
                id,
                titleColumn is { } t ? fields[t].Trim() : "",
                List(categoriesColumn is { } c ? fields[c] : null),
                List(tagsColumn is { } g ? fields[g] : null));
            if (!builder.AddItem(item))
            {
                badLines.Report(path, line, $"item {id} is listed twice");
            }
        }
    }

    /// <summary>Column positions resolved from a header line.</summary>
    private sealed class Header(string path, List<string> names)
    {
        public List<string> Names { get; } = [.. names.Select(n => n.Trim())];

        public int User { get; private set; }

        public int Item { get; private set; }

        public int? Rating { get; private set; }

        public int? Timestamp { get; private set; }

        public void Resolve(InteractionFileOptions options)
        {
            User = Required(options.User, UserNames, "user");
            Item = Required(options.Item, ItemNames, "item");
            Rating = options.Rating is null ? Find(RatingNames) : Required(options.Rating, [], "rating");
            Timestamp = options.Timestamp is null ? Find(TimestampNames) : Required(options.Timestamp, [], "timestamp");
        }

        public void ResolveCatalogueId(string[] candidates) => Item = Required(null, candidates, "item id");

        public int? Find(string[] candidates)
        {
            foreach (var candidate in candidates)
            {
                var index = Names.FindIndex(n => n.Equals(candidate, StringComparison.OrdinalIgnoreCase));
                if (index >= 0)
                {
                    return index;
                }
            }
            return null;
        }

        private int Required(string? named, string[] fallbacks, string what)
        {
            var found = named is null ? Find(fallbacks) : Find([named]);
            return found ?? throw new DataFormatException(path, 1,
                named is null
                    ? $"no {what} column in the header ({string.Join(", ", Names)}); name one, e.g. {what}=<column>"
                    : $"{what} column '{named}' is not in the header ({string.Join(", ", Names)})");
        }
    }
}
