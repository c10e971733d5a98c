using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>
/// A model the offline lab trains on a user–item matrix and evaluates by ranking the whole catalogue
/// (RecBole's <c>calculate_loss</c>/<c>full_sort_predict</c> contract, reduced to what baselines need).
/// </summary>
public interface IRecommender
{
    /// <summary>Short name used on the command line and in reports, e.g. "bpr".</summary>
    string Name { get; }

    /// <summary>The options in effect, for reports ("factors=64, epochs=30").</summary>
    string Describe();

    /// <summary>Trains on <paramref name="train"/>; may be called once.</summary>
    void Fit(UserItemMatrix train, TrainingContext context);

    /// <summary>
    /// Writes a score for every item (higher is better) for <paramref name="user"/>. Thread-safe after
    /// <see cref="Fit"/>; callers mask items the user already has.
    /// </summary>
    void Score(int user, Span<float> scores);
}

/// <summary>What a training run may use besides the matrix.</summary>
/// <param name="Seed">Every random choice derives from it.</param>
/// <param name="Progress">Receives (stage, fraction done) updates.</param>
/// <param name="Device">"auto", "cpu" or "cuda[:N]" for TorchSharp models.</param>
public sealed record TrainingContext(
    ulong Seed = 42,
    IProgress<TrainingProgress>? Progress = null,
    string Device = "auto",
    CancellationToken Cancellation = default)
{
    /// <summary>The training interactions with their times and order (the matrix keeps one per pair).</summary>
    public IReadOnlyList<Interaction> TrainingInteractions { get; init; } = [];

    /// <summary>
    /// Held-out interactions that come before the test ones (the leave-one-out validation item): models may stop
    /// early on them, and sequence models append them to each user's history before scoring the test.
    /// </summary>
    public IReadOnlyList<Interaction> Validation { get; init; } = [];

    /// <summary>Metadata of the users, aligned with the matrix (empty when the source has none).</summary>
    public IReadOnlyList<UserInfo> UserInfos { get; init; } = [];

    /// <summary>Metadata of the items, aligned with the matrix (empty when the source has none).</summary>
    public IReadOnlyList<ItemInfo> ItemInfos { get; init; } = [];

    /// <summary>When set, models that checkpoint write their best weights here.</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>
    /// A validation score to stop early on instead of ndcg@10 over <see cref="Validation"/> (e.g. next-item MRR on
    /// held-out sessions); neural models use it when set and their patience is positive.
    /// </summary>
    public IModelValidator? Validator { get; init; }
}

/// <summary>Scores a model in training on held-out data; higher is better.</summary>
public interface IModelValidator
{
    /// <summary>The metric's name for logs and reports, e.g. "mrr@20".</summary>
    string Metric { get; }

    /// <summary>The score of <paramref name="model"/> as it is now (ready to score; called between epochs).</summary>
    double Score(IRecommender model);
}

/// <summary>A progress report: what is happening and how much of it is done (0..1).</summary>
public readonly record struct TrainingProgress(string Stage, double Fraction);
