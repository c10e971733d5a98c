using System.Globalization;
using System.Text;

namespace RecSys.Models.Data;

/// <summary>
/// Reads DIGINETICA's item views (CIKM Cup 2016, <c>train-item-views.csv</c>): <c>;</c>-separated with the header
/// <c>session_id;user_id;item_id;timeframe;eventdate</c>. Each session is a user (<c>user_id</c> is mostly
/// <c>NA</c> and is not used); an event's time is its <c>eventdate</c> (UTC midnight) plus <c>timeframe</c>
/// milliseconds, and events enter the dataset in order of that exact time (file order breaks exact ties), so a
/// session's order is right although <see cref="Interaction.Timestamp"/> keeps whole seconds. Every view has
/// rating 1. A malformed line stops the load with <see cref="DataFormatException"/> unless
/// <see cref="BadLines.Skip"/> is set.
/// </summary>
public static class DigineticaLoader
{
    private static readonly string[] Columns = ["session_id", "item_id", "timeframe", "eventdate"];

    public static InteractionDataset Load(string path, BadLines? badLines = null)
    {
        badLines ??= new BadLines();
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"DIGINETICA file not found: {path}", path);
        }
        int[]? columns = null;
        var fieldCount = 0;
        var rows = new ChronologicalRows();
        foreach (var (line, text) in TextLines.Read(path, new UTF8Encoding(false)))
        {
            var fields = text.Split(';');
            if (columns is null)
            {
                var names = fields.Select(f => f.Trim()).ToList();
                columns = [.. Columns.Select(c => names.FindIndex(n => n.Equals(c, StringComparison.OrdinalIgnoreCase)))];
                if (columns.Contains(-1))
                {
                    throw new DataFormatException(path, line,
                        $"expected a header with {string.Join(", ", Columns)} (session_id;user_id;item_id;timeframe;eventdate); found '{text}'");
                }
                fieldCount = fields.Length;
                continue;
            }
            if (fields.Length != fieldCount)
            {
                badLines.Report(path, line, $"expected {fieldCount} ';'-separated fields as in the header, found {fields.Length}");
                continue;
            }
            var (session, item, timeframe, date) = (fields[columns[0]].Trim(), fields[columns[1]].Trim(), fields[columns[2]].Trim(), fields[columns[3]].Trim());
            if (session.Length == 0 || item.Length == 0)
            {
                badLines.Report(path, line, session.Length == 0 ? "the session id is missing" : "the item id is missing");
                continue;
            }
            if (!long.TryParse(timeframe, NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds > 100L * 365 * 86_400_000)
            {
                badLines.Report(path, line, $"timeframe '{timeframe}' is not a non-negative number of milliseconds");
                continue;
            }
            if (!DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) || day.Year < 1970)
            {
                badLines.Report(path, line, $"eventdate '{date}' is not a date yyyy-MM-dd from 1970");
                continue;
            }
            var midnight = new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            rows.Add(session, item, 1f, midnight.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks + milliseconds * TimeSpan.TicksPerMillisecond, line);
        }
        if (columns is null)
        {
            throw new DataFormatException(path, 1, "the file is empty; expected the header session_id;user_id;item_id;timeframe;eventdate");
        }
        var builder = new DatasetBuilder("diginetica");
        rows.AddTo(builder, (line, problem) => badLines.Report(path, line, problem));
        return builder.Build();
    }
}
