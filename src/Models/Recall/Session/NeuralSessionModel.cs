using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Training;

namespace RecSys.Models.Recall.Session;

/// <summary>
/// Scores a session prefix with a sequence model's serving contract: <see cref="IArtifactModel.UserVector"/> of the
/// prefix, then <see cref="IArtifactModel.ScoreItems"/> over every item. Calls into the network are serialised (as
/// serving's <c>VectorModel</c> does: TorchSharp documents no guarantee for concurrent forward passes); the dot
/// products run in parallel. For GRU4Rec, a prefix that extends the one this thread scored last by one item
/// advances the kept state with <see cref="Gru4RecRecommender.Step"/> (as serving does per event) instead of reading
/// the whole prefix again, so scoring every prefix of a session costs O(length), not O(length²); the two agree to
/// about 1e-5.
/// </summary>
public sealed class ArtifactSessionScorer(IArtifactModel model, int itemCount) : ISessionScorer
{
    [ThreadStatic]
    private static (ArtifactSessionScorer Owner, int[] Prefix, float[] Vector)? t_last;

    private readonly int[] _items = [.. Enumerable.Range(0, itemCount)];
    private readonly Lock _gate = new();

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores)
    {
        var history = new List<int>(prefix.Length);
        foreach (var item in prefix)
        {
            if ((uint)item < (uint)_items.Length)
            {
                history.Add(item);
            }
        }
        float[] vector;
        if (model is Gru4RecRecommender gru && t_last is { } last && ReferenceEquals(last.Owner, this)
            && history.Count == last.Prefix.Length + 1 && last.Prefix.AsSpan().SequenceEqual(CollectionsMarshalSpan(history)[..^1]))
        {
            lock (_gate)
            {
                vector = gru.StepQuery(last.Vector, history[^1]);
            }
        }
        else
        {
            lock (_gate)
            {
                vector = model.UserVector(history);
            }
        }
        t_last = (this, [.. history], vector);
        model.ScoreItems(vector, _items, scores);
    }

    private static ReadOnlySpan<int> CollectionsMarshalSpan(List<int> list) => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list);
}

/// <summary>
/// Next-item MRR@K of a sequence model on held-out sessions, for early stopping (<see cref="TrainingContext.Validator"/>).
/// </summary>
public sealed class SessionValidator(SessionData train, SessionData validation, int k = 20) : IModelValidator
{
    private readonly SessionEvaluator _evaluator = new(train, validation, new SessionEvaluationOptions { K = k });

    public string Metric => $"mrr@{k}";

    public double Score(IRecommender model)
    {
        var artifact = model as IArtifactModel ?? throw new ArgumentException($"{model.Name} has no user-vector contract", nameof(model));
        return _evaluator.Evaluate(new ArtifactSessionScorer(artifact, train.ItemCount))[Metric];
    }
}

/// <summary>
/// A neural sequence model (GRU4Rec, SASRec) on the session protocol: each training session is one "user" sequence.
/// With a validation split (<see cref="SessionData.Validation"/>) and a positive patience, a first run trains on the
/// sessions before the validation cut and stops early on next-item MRR@20 of the validation sessions; the model is then
/// trained again on all training sessions for the best run's number of epochs (so it sees as much data as the
/// baselines; the test sessions are never looked at). Without validation it trains for its epochs. A prefix is scored
/// with <see cref="IArtifactModel.UserVector"/> and <see cref="IArtifactModel.ScoreItems"/> over all items.
/// </summary>
public sealed class NeuralSessionModel(string name, NeuralOptions options, Func<NeuralOptions, IArtifactModel> create) : ISessionModel, IDisposable
{
    private IArtifactModel? _model;
    private ArtifactSessionScorer? _scorer;

    public string Name => name;

    /// <summary>The trained model, once fitted.</summary>
    public IArtifactModel? Model => _model;

    /// <summary>Epochs of the final training run.</summary>
    public int? Epochs { get; private set; }

    /// <summary>Best validation MRR@20 of the tuning run, if it ran.</summary>
    public double? ValidationMrr { get; private set; }

    public string Describe() =>
        ModelOptions.Format(options) + (ValidationMrr is { } mrr ? $"; validation mrr@20 {mrr:0.0000}, retrained {Epochs} epochs" : "");

    public void Fit(SessionData train, TrainingContext context)
    {
        var finalOptions = options;
        if (options.Patience > 0 && train.Validation is { } validation)
        {
            using var probe = new Disposable(create(options));
            var tuning = context with
            {
                Progress = Prefixed(context.Progress, "tuning"),
                Validator = new SessionValidator(validation.Train, validation.Validation),
            };
            Train(probe.Model, validation.Train, tuning);
            var report = probe.Model as INeuralTrainingReport;
            var best = report?.BestEpoch ?? report?.EpochsRun ?? options.Epochs;
            ValidationMrr = report?.BestValidationScore;
            finalOptions = options with { Epochs = best, Patience = 0 };
        }
        Epochs = finalOptions.Epochs;
        (_model as IDisposable)?.Dispose();
        _model = create(finalOptions);
        Train(_model, train, context with { Progress = Prefixed(context.Progress, $"training {finalOptions.Epochs} epochs"), Validator = null });
        _scorer = new ArtifactSessionScorer(_model, train.ItemCount);
    }

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores) =>
        (_scorer ?? throw new InvalidOperationException($"{name} is not fitted")).Score(prefix, scores);

    public void Dispose()
    {
        (_model as IDisposable)?.Dispose();
        _model = null;
        _scorer = null;
    }

    /// <summary>Sessions as users: interaction times are positions, so each sequence keeps its exact order.</summary>
    private static void Train(IArtifactModel model, SessionData sessions, TrainingContext context)
    {
        var interactions = new List<Interaction>((int)sessions.Events);
        for (var s = 0; s < sessions.Count; s++)
        {
            var items = sessions.Sessions[s];
            for (var p = 0; p < items.Length; p++)
            {
                interactions.Add(new Interaction(s, items[p], 1, p));
            }
        }
        var matrix = new UserItemMatrix(sessions.Count, sessions.ItemCount, interactions);
        model.Fit(matrix, context with { TrainingInteractions = interactions, Validation = [], UserInfos = [], ItemInfos = [] });
    }

    private static IProgress<TrainingProgress>? Prefixed(IProgress<TrainingProgress>? inner, string stage) =>
        inner is null ? null : new StageProgress(inner, stage);

    private sealed class StageProgress(IProgress<TrainingProgress> inner, string stage) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => inner.Report(value with { Stage = $"{stage}: {value.Stage}" });
    }

    private sealed class Disposable(IArtifactModel model) : IDisposable
    {
        public IArtifactModel Model { get; } = model;

        public void Dispose() => (Model as IDisposable)?.Dispose();
    }
}
