namespace RecSys.Models.Recall.Session;

/// <summary>Scores every item as the next one after a session prefix: what the session evaluator ranks.</summary>
public interface ISessionScorer
{
    /// <summary>
    /// Writes a score for every item (higher is better) as the next item after <paramref name="prefix"/> (item
    /// indices, oldest first; indices the model never saw are ignored). Thread-safe once trained or built.
    /// </summary>
    void Score(ReadOnlySpan<int> prefix, Span<float> scores);
}

/// <summary>
/// A next-item model for anonymous sessions, as the offline session protocol trains and evaluates it: fitted once on
/// training sessions, then asked to score every item as the next one after a session prefix.
/// </summary>
public interface ISessionModel : ISessionScorer
{
    /// <summary>Short name used on the command line and in reports, e.g. "vsknn".</summary>
    string Name { get; }

    /// <summary>The options in effect, for reports ("k=100, sample=500").</summary>
    string Describe();

    /// <summary>Trains on <paramref name="train"/> (its <see cref="SessionData.Validation"/> may be used for early stopping); called once.</summary>
    void Fit(SessionData train, TrainingContext context);
}

/// <summary>
/// A built session model: immutable and thread-safe, memory O(training events), buildable straight from sessions
/// (no evaluation machinery), usable in the serving path. <see cref="Recommend"/> answers a top-k without touching
/// every item; <see cref="ISessionScorer.Score"/> is the dense form the offline evaluator ranks.
/// </summary>
public interface ISessionRecommender : ISessionScorer
{
    /// <summary>Size of the item index space the model was built for.</summary>
    int ItemCount { get; }

    /// <summary>Occurrences of each item in the training sessions (repeats count): the tie-break of <see cref="Recommend"/>.</summary>
    IReadOnlyList<int> Popularity { get; }

    /// <summary>
    /// The best <paramref name="count"/> items with a positive score after <paramref name="prefix"/> (item indices,
    /// oldest first; unknown indices are ignored), best first; ties go to the more popular item, then the smaller
    /// index. Items <paramref name="exclude"/> rejects are skipped. May return fewer than <paramref name="count"/>
    /// items (callers fill up, e.g. from popularity).
    /// </summary>
    ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null);
}
