using System.Globalization;

namespace RecSys.Models.Data;

/// <summary>
/// Parsed interaction rows held until the whole file is read, then handed to a <see cref="DatasetBuilder"/> with each
/// user's rows in order of their exact time (100 ns ticks; a stable sort, so file order breaks exact ties).
/// <see cref="Interaction.Timestamp"/> keeps whole seconds and everything downstream sorts stably by it, so rows of
/// one user within the same second (fractional unix times, milliseconds, DIGINETICA's timeframe) keep their true
/// order only if they arrive in it. The sort permutes each user's rows among the positions that user's rows hold
/// in the file, so the interleaving of users, and with it the order of <see cref="InteractionDataset.Interactions"/>
/// that splits shuffle, changes only where a user's rows were out of order; user and item indices follow the
/// file (ids are declared in order of first appearance before any row is added).
/// </summary>
internal sealed class ChronologicalRows
{
    /// <summary>Ticks (100 ns) per second.</summary>
    public const long TicksPerSecond = 10_000_000;

    private readonly List<Row> _rows = [];

    private readonly record struct Row(string User, string Item, float Rating, long Ticks, int Line);

    public int Count => _rows.Count;

    /// <summary>Keeps a row of file line <paramref name="line"/>; <paramref name="ticks"/> is its exact unix time in 100 ns units.</summary>
    public void Add(string user, string item, float rating, long ticks, int line) => _rows.Add(new Row(user, item, rating, ticks, line));

    /// <summary>
    /// Declares users and items in file order, then adds the rows, each user's sorted by exact time (stable), each
    /// with its time floored to whole seconds. A row the builder refuses is passed to <paramref name="problem"/> with
    /// its line.
    /// </summary>
    public void AddTo(DatasetBuilder builder, Action<int, string> problem)
    {
        var byUser = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var n = 0; n < _rows.Count; n++)
        {
            var row = _rows[n];
            builder.DeclareUser(row.User);
            builder.DeclareItem(row.Item);
            if (!byUser.TryGetValue(row.User, out var positions))
            {
                byUser[row.User] = positions = [];
            }
            positions.Add(n);
        }
        var order = new int[_rows.Count];
        foreach (var positions in byUser.Values)
        {
            // (ticks, file position): a stable sort by exact time, written back into the user's own positions.
            var sorted = positions.OrderBy(n => (_rows[n].Ticks, n)).ToArray();
            for (var j = 0; j < sorted.Length; j++)
            {
                order[positions[j]] = sorted[j];
            }
        }
        foreach (var n in order)
        {
            var row = _rows[n];
            if (builder.TryAddInteraction(row.User, row.Item, row.Rating, FloorToSeconds(row.Ticks)) is { } message)
            {
                problem(row.Line, message);
            }
        }
    }

    /// <summary>Whole seconds of a tick count, rounded down (also before 1970).</summary>
    public static long FloorToSeconds(long ticks) => ticks >= 0 ? ticks / TicksPerSecond : -((-ticks + TicksPerSecond - 1) / TicksPerSecond);

    /// <summary>
    /// Parses a time: unix seconds, whole or fractional (<c>1396437466.94</c>; numbers above 10^11 are milliseconds),
    /// or ISO-8601 (any year it can express, as before). Returns the exact time in ticks since 1970; false for unix
    /// numbers outside 1970..9999.
    /// </summary>
    public static bool TryParseTime(string text, out long ticks)
    {
        ticks = 0;
        text = text.Trim();
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var whole))
        {
            if (whole < 0)
            {
                return false;
            }
            var milliseconds = whole > 100_000_000_000;
            var seconds = milliseconds ? whole / 1000 : whole;
            if (seconds > MovieLensFields.MaxUnixSeconds)
            {
                return false;
            }
            ticks = milliseconds ? whole * 10_000 : whole * TicksPerSecond;
            return true;
        }
        if (text.Length > 0 && (char.IsAsciiDigit(text[0]) || text[0] == '.')
            && decimal.TryParse(text, NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var number))
        {
            var seconds = number > 100_000_000_000m ? number / 1000m : number;
            if (seconds > MovieLensFields.MaxUnixSeconds)
            {
                return false;
            }
            ticks = (long)decimal.Floor(seconds * TicksPerSecond);
            return true;
        }
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            ticks = date.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
            return true;
        }
        return false;
    }
}
