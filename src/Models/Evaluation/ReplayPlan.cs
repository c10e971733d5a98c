using RecSys.Models.Data;

namespace RecSys.Models.Evaluation;

/// <summary>Whose events a replayed event is: a known user's or an anonymous session's.</summary>
public enum ReplaySubject
{
    User,
    Session,
}

/// <summary>
/// One held-out event to replay through a serving system, in time order.
/// </summary>
/// <param name="Subject">Posted as a user's event or an anonymous session's.</param>
/// <param name="SubjectId">The user or session id.</param>
/// <param name="ItemId">The item interacted with: the target of the recommendation asked for just before.</param>
/// <param name="Rating">Its rating (1 for implicit feedback).</param>
/// <param name="Timestamp">Unix seconds.</param>
/// <param name="Scored">True if recommendations are asked for (and scored against <see cref="ItemId"/>) before the
/// event is posted; false for events that only build state (a session's first event).</param>
public sealed record ReplayEvent(ReplaySubject Subject, string SubjectId, string ItemId, float Rating, long Timestamp, bool Scored);

/// <summary>
/// A served (prequential) evaluation: the part of a dataset the serving system is started with, and the held-out
/// events replayed through it in time order — before each scored event the system is asked for recommendations and
/// the event's item is the target; then the event is posted, so the next answer may use it.
/// </summary>
/// <param name="Protocol">How the data was divided, for reports.</param>
/// <param name="Train">What the serving system loads (its users are live; its items are the catalogue the models know).</param>
/// <param name="Events">Held-out events in time order (ties: data order).</param>
/// <param name="ExplicitRatings">True when events carry ratings (posted as "rating" events with a value), else views.</param>
public sealed record ReplayPlan(string Protocol, InteractionDataset Train, IReadOnlyList<ReplayEvent> Events, bool ExplicitRatings)
{
    /// <summary>Events that are scored.</summary>
    public int ScoredCount => Events.Count(e => e.Scored);

    /// <summary>
    /// Leave-one-out: each user's last interaction (by time) is held out and predicted from the rest, which is the
    /// training part; users with a single interaction only train. The held-out events are replayed in time order.
    /// </summary>
    public static ReplayPlan LeaveOneOut(InteractionDataset dataset)
    {
        var train = new List<Interaction>();
        var test = new List<Interaction>();
        foreach (var events in dataset.InteractionsByUser())
        {
            if (events.Length == 0)
            {
                continue;
            }
            if (events.Length == 1)
            {
                train.Add(events[0]);
                continue;
            }
            train.AddRange(events.AsSpan(0, events.Length - 1));
            test.Add(events[^1]);
        }
        return Build("loo(last interaction per user)", dataset, train, test, _ => true);
    }

    /// <summary>
    /// A global temporal cut-off (<see cref="Splits.TemporalCutoff"/>): the latest <paramref name="testShare"/> of
    /// interactions are replayed in time order, every one of them scored, users being users (old or new).
    /// </summary>
    public static ReplayPlan Temporal(InteractionDataset dataset, double testShare = 0.2)
    {
        var split = Splits.TemporalCutoff(dataset, testShare);
        return Build(split.Protocol, dataset, split.Train, split.Test, _ => true);
    }

    /// <summary>
    /// Sessions (<see cref="SessionSplit"/>: each dataset "user" is a session, the later sessions are the test): the
    /// training sessions are what the service loads; each test session (its events whose item a training session has,
    /// as the offline protocol keeps them) is replayed as an anonymous session, every event after its first scored —
    /// the next-click protocol, with repeats of the session's own items scored like any other target. Events are posted
    /// as views.
    /// </summary>
    public static ReplayPlan Sessions(SessionSplit split)
    {
        var dataset = split.Dataset;
        var training = split.TrainingIds;
        var train = dataset.Interactions.Where(i => training.Contains(dataset.Users[i.User])).ToArray();
        // Every test event in time order, as they would arrive (sessions interleave); ties keep session order, then
        // the order inside the session.
        var scheduled = new List<(long Time, int Session, int Position, ReplayEvent Event)>();
        var sessions = split.TestSessions;
        for (var s = 0; s < sessions.Count; s++)
        {
            var (id, items, times) = sessions[s];
            for (var n = 0; n < items.Length; n++)
            {
                scheduled.Add((times[n], s, n, new ReplayEvent(ReplaySubject.Session, id, dataset.Items[items[n]], 1f, times[n], Scored: n > 0)));
            }
        }
        var events = scheduled.OrderBy(e => e.Time).ThenBy(e => e.Session).ThenBy(e => e.Position).Select(e => e.Event).ToList();
        // Clicks in a session are views, whatever the data called them.
        return new ReplayPlan(split.Protocol, DatasetFilters.Subset(dataset, train, "replay-train"), events, ExplicitRatings: false);
    }

    private static ReplayPlan Build(string protocol, InteractionDataset dataset, IReadOnlyList<Interaction> train, IReadOnlyList<Interaction> test, Func<Interaction, bool> scored)
    {
        var explicitRatings = dataset.Interactions.Any(i => i.Rating != 1f);
        // Stable by time: ties keep the data's order.
        var ordered = test.Select((interaction, position) => (interaction, position))
            .OrderBy(x => x.interaction.Timestamp).ThenBy(x => x.position)
            .Select(x => x.interaction);
        var events = ordered.Select(i => new ReplayEvent(ReplaySubject.User, dataset.Users[i.User], dataset.Items[i.Item], i.Rating, i.Timestamp, scored(i))).ToList();
        return new ReplayPlan(protocol, DatasetFilters.Subset(dataset, [.. train], "replay-train"), events, explicitRatings);
    }
}
