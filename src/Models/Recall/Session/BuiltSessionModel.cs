namespace RecSys.Models.Recall.Session;

/// <summary>
/// The offline face of a built model (<see cref="ISessionRecommender"/>): <see cref="Fit"/> builds it from the training
/// sessions, <see cref="Score"/> delegates. The built model itself is what serving would hold (<see cref="Model"/>).
/// </summary>
public sealed class BuiltSessionModel(string name, object options, Func<SessionData, ISessionRecommender> build) : ISessionModel
{
    public string Name => name;

    /// <summary>The built model, once fitted.</summary>
    public ISessionRecommender? Model { get; private set; }

    public string Describe() => ModelOptions.Format(options);

    public void Fit(SessionData train, TrainingContext context)
    {
        context.Progress?.Report(new TrainingProgress("building", 0));
        Model = build(train);
        context.Progress?.Report(new TrainingProgress("built", 1));
    }

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores) =>
        (Model ?? throw new InvalidOperationException($"{name} is not fitted")).Score(prefix, scores);
}

/// <summary>Options of models that have none.</summary>
public sealed record NoOptions;
