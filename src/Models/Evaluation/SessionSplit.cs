using System.Globalization;
using System.Text;
using RecSys.Models.Data;
using RecSys.Models.Recall.Session;

namespace RecSys.Models.Evaluation;

/// <summary>How <see cref="SessionSplit"/> holds sessions out.</summary>
public sealed record SessionSplitOptions
{
    /// <summary>(double) Share of the sessions, the latest by first event, held out as test sessions.</summary>
    public double TestShare { get; init; } = 0.2;

    /// <summary>(int?) Instead of a share: the sessions whose last event falls in the last N days of the data.</summary>
    public int? TestDays { get; init; }

    public void Validate()
    {
        if (TestDays is { } days)
        {
            if (days is < 1 or > 100_000)
            {
                throw new ArgumentOutOfRangeException(nameof(TestDays), days, "must be from 1 to 100000");
            }
        }
        else if (TestShare is <= 0 or >= 1 || double.IsNaN(TestShare))
        {
            throw new ArgumentOutOfRangeException(nameof(TestShare), TestShare, "must be between 0 and 1");
        }
    }
}

/// <summary>
/// The session-based protocol of GRU4Rec (Hidasi et al., ICLR 2016) and session-rec (Ludewig and Jannach, "Evaluation
/// of session-based recommendation algorithms", UMUAI 2018): every dataset user is a session. Sessions are ordered by
/// their first event (ties: session id, numerically when both are numbers); the last <see cref="SessionSplitOptions.TestShare"/>
/// of them (train gets floor(n × (1 − share))) are test sessions, or, with <see cref="SessionSplitOptions.TestDays"/>,
/// those whose last event is at most N days before the data's last event (session-rec's <c>split_data</c>). Test
/// events whose item never occurs in a training session are dropped, then test sessions left with fewer than 2 events.
/// The same rule applied to the training sessions alone gives <see cref="SessionData.Validation"/>; test sessions never
/// enter it. Training sessions of one event stay (they count for popularity and neighbours).
/// </summary>
public sealed class SessionSplit
{
    private readonly List<Entry> _train;
    private readonly List<Entry> _test;

    private SessionSplit(string protocol, InteractionDataset dataset, List<Entry> train, List<Entry> test, int heldOut, int droppedEvents, int droppedSessions, SessionValidationSplit? validation)
    {
        Protocol = protocol;
        Dataset = dataset;
        _train = train;
        _test = test;
        HeldOutSessions = heldOut;
        DroppedTestEvents = droppedEvents;
        DroppedTestSessions = droppedSessions;
        Train = ToData(train, dataset.ItemCount, validation);
        Test = ToData(test, dataset.ItemCount);
    }

    /// <summary>How it was split, e.g. "session(test: last 20% of sessions by first event; ...)".</summary>
    public string Protocol { get; }

    public InteractionDataset Dataset { get; }

    /// <summary>Training sessions in chronological order, with their validation split.</summary>
    public SessionData Train { get; }

    /// <summary>Test sessions after filtering, in chronological order.</summary>
    public SessionData Test { get; }

    /// <summary>Sessions the rule held out, before filtering.</summary>
    public int HeldOutSessions { get; }

    /// <summary>Test events dropped because their item never occurs in a training session.</summary>
    public int DroppedTestEvents { get; }

    /// <summary>Held-out sessions dropped because fewer than 2 events remained.</summary>
    public int DroppedTestSessions { get; }

    /// <summary>The test sessions after filtering, in chronological order: id, items and their unix times, oldest first.</summary>
    public IReadOnlyList<(string Id, int[] Items, long[] Times)> TestSessions => [.. _test.Select(e => (e.Id, e.Items, e.Times))];

    /// <summary>The ids of the training sessions.</summary>
    public IReadOnlySet<string> TrainingIds => _train.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>Next-item predictions the test sessions give: the sum of (length − 1).</summary>
    public long Predictions => Test.Sessions.Sum(s => (long)s.Length - 1);

    /// <summary>Splits <paramref name="dataset"/>, whose users are sessions.</summary>
    public static SessionSplit Create(InteractionDataset dataset, SessionSplitOptions? options = null)
    {
        options ??= new SessionSplitOptions();
        options.Validate();
        var byUser = dataset.InteractionsByUser();
        var sessions = new List<Entry>(dataset.UserCount);
        for (var u = 0; u < byUser.Length; u++)
        {
            var events = byUser[u];
            if (events.Length > 0)
            {
                sessions.Add(new Entry(dataset.Users[u], [.. events.Select(e => e.Item)], [.. events.Select(e => e.Timestamp)]));
            }
        }
        sessions.Sort(Chronological);

        var (train, heldOut, rule) = Cut(sessions, options);
        var (test, droppedEvents, droppedSessions) = Filter(heldOut, train, dataset.ItemCount);
        var (validationTrain, validationHeldOut, validationRule) = Cut(train, options);
        var (validation, _, _) = Filter(validationHeldOut, validationTrain, dataset.ItemCount);
        var validationSplit = validation.Count == 0 || validationTrain.Count == 0
            ? null
            : new SessionValidationSplit(
                ToData(validationTrain, dataset.ItemCount),
                ToData(validation, dataset.ItemCount),
                $"validation: {validationRule} of the {train.Count:N0} training sessions ({validationTrain.Count:N0} before it, {validation.Count:N0} kept)");
        var protocol = $"session(test: {rule}; validation: {validationRule} of the training sessions)";
        return new SessionSplit(protocol, dataset, train, test, heldOut.Count, droppedEvents, droppedSessions, validationSplit);
    }

    /// <summary>
    /// Writes <c>train.tsv</c> and <c>test.tsv</c> (header <c>SessionId ItemId Time</c>, tab-separated, as session-rec
    /// reads them) into <paramref name="folder"/>: the training sessions and the filtered test sessions. Sessions are
    /// renumbered 1, 2, ... in this split's chronological order (training first), so a tool that takes the higher id
    /// as the more recent session agrees with ours; items keep their dataset ids; times are whole unix seconds, each
    /// session's rows in order (a stable sort by session and time keeps them).
    /// </summary>
    public void Export(string folder)
    {
        Directory.CreateDirectory(folder);
        var number = 0;
        void Write(string name, List<Entry> sessions)
        {
            var text = new StringBuilder("SessionId\tItemId\tTime\n");
            foreach (var session in sessions)
            {
                number++;
                for (var n = 0; n < session.Items.Length; n++)
                {
                    text.Append(CultureInfo.InvariantCulture, $"{number}\t{Dataset.Items[session.Items[n]]}\t{session.Times[n]}\n");
                }
            }
            File.WriteAllText(Path.Combine(folder, name), text.ToString());
        }
        Write("train.tsv", _train);
        Write("test.tsv", _test);
    }

    /// <summary>One session: its id, items and their times, oldest first.</summary>
    private sealed record Entry(string Id, int[] Items, long[] Times)
    {
        public long Start => Times[0];

        public long End => Times[^1];
    }

    private static int Chronological(Entry a, Entry b)
    {
        var byStart = a.Start.CompareTo(b.Start);
        return byStart != 0 ? byStart : CompareIds(a.Id, b.Id);
    }

    /// <summary>Numbers numerically (before other ids), other ids ordinally.</summary>
    internal static int CompareIds(string a, string b)
    {
        var aNumber = long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x);
        var bNumber = long.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y);
        return (aNumber, bNumber) switch
        {
            (true, true) => x != y ? x.CompareTo(y) : string.CompareOrdinal(a, b),
            (true, false) => -1,
            (false, true) => 1,
            _ => string.CompareOrdinal(a, b),
        };
    }

    /// <summary>Chronological sessions → (kept, held out, description of the rule).</summary>
    private static (List<Entry> Train, List<Entry> HeldOut, string Rule) Cut(List<Entry> sessions, SessionSplitOptions options)
    {
        if (options.TestDays is { } days)
        {
            var last = sessions.Count == 0 ? 0 : sessions.Max(s => s.End);
            var cut = last - days * 86_400L;
            return ([.. sessions.Where(s => s.End < cut)], [.. sessions.Where(s => s.End >= cut)], $"sessions ending in the last {days} day{(days == 1 ? "" : "s")}");
        }
        var trainCount = (int)Math.Floor(sessions.Count * (1 - options.TestShare));
        return (sessions[..trainCount], sessions[trainCount..], $"last {options.TestShare:0.##%} of sessions by first event");
    }

    /// <summary>Drops held-out events whose item is not in <paramref name="train"/>, then sessions shorter than 2.</summary>
    private static (List<Entry> Kept, int DroppedEvents, int DroppedSessions) Filter(List<Entry> heldOut, List<Entry> train, int itemCount)
    {
        var known = new bool[itemCount];
        foreach (var session in train)
        {
            foreach (var item in session.Items)
            {
                known[item] = true;
            }
        }
        var kept = new List<Entry>();
        var droppedEvents = 0;
        var droppedSessions = 0;
        foreach (var session in heldOut)
        {
            var keep = Enumerable.Range(0, session.Items.Length).Where(n => known[session.Items[n]]).ToArray();
            droppedEvents += session.Items.Length - keep.Length;
            if (keep.Length < 2)
            {
                droppedSessions++;
                continue;
            }
            kept.Add(new Entry(session.Id, [.. keep.Select(n => session.Items[n])], [.. keep.Select(n => session.Times[n])]));
        }
        return (kept, droppedEvents, droppedSessions);
    }

    private static SessionData ToData(List<Entry> sessions, int itemCount, SessionValidationSplit? validation = null) =>
        new([.. sessions.Select(s => s.Items)], itemCount, [.. sessions.Select(s => s.Start)], [.. sessions.Select(s => s.End)], [.. sessions.Select(s => s.Id)])
        {
            Validation = validation,
        };
}
