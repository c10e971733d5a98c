using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Evaluation;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Training;

/// <summary>Options every neural model shares; each model's record adds its own.</summary>
public abstract record NeuralOptions : IModelOptions
{
    [Option("epochs", "(int) most passes over the training data")]
    public int Epochs { get; init; } = 30;

    [Option("batch", "(int) examples per optimiser step")]
    public int BatchSize { get; init; } = 128;

    [Option("lr", "(double) Adam learning rate")]
    public double LearningRate { get; init; } = 1e-3;

    [Option("weight_decay", "(double) Adam L2 weight decay")]
    public double WeightDecay { get; init; }

    [Option("patience", "(int) stop after this many validations without a better ndcg@10 (needs validation data); 0 = never")]
    public int Patience { get; init; } = 3;

    [Option("eval_every", "(int) epochs between validations")]
    public int EvalEvery { get; init; } = 1;

    public virtual IEnumerable<string> Validate()
    {
        if (Epochs is < 1 or > 100_000) yield return "epochs must be from 1 to 100000";
        if (BatchSize is < 1 or > 1_000_000) yield return "batch must be from 1 to 1000000";
        if (LearningRate <= 0) yield return "lr must be positive";
        if (WeightDecay < 0) yield return "weight_decay must not be negative";
        if (Patience < 0) yield return "patience must not be negative";
        if (EvalEvery < 1) yield return "eval_every must be at least 1";
    }
}

/// <summary>
/// What a neural model trains on: the matrix, each user's training sequence and the user and item metadata
/// (null when the network is rebuilt to load saved weights).
/// </summary>
public sealed record TrainingData(UserItemMatrix Matrix, UserSequences Sequences, IReadOnlyList<UserInfo>? UserInfos = null, IReadOnlyList<ItemInfo>? ItemInfos = null)
{
    public int UserCount => Matrix.UserCount;

    public int ItemCount => Matrix.ItemCount;

    /// <summary>Training users per item.</summary>
    public int[] ItemCounts()
    {
        var counts = new int[ItemCount];
        for (var u = 0; u < UserCount; u++)
        {
            foreach (var i in Matrix.ItemsOf(u))
            {
                counts[i]++;
            }
        }
        return counts;
    }
}

/// <summary>What a neural training run reports besides its weights.</summary>
public interface INeuralTrainingReport
{
    /// <summary>Epochs actually run (early stopping may end training sooner).</summary>
    int EpochsRun { get; }

    /// <summary>The epoch (1-based) whose weights were kept because they validated best; null without validation.</summary>
    int? BestEpoch { get; }

    /// <summary>Best validation score, if validation ran.</summary>
    double? BestValidationScore { get; }

    /// <summary>The metric of <see cref="BestValidationScore"/>, e.g. "ndcg@10".</summary>
    string? ValidationMetric { get; }
}

/// <summary>
/// The one training loop of the neural models (template method): the model supplies its network, its batches
/// (as plain arrays) and the loss of one batch; this class runs Adam with one dispose scope per batch, validates
/// with <c>eval()</c> and <c>no_grad</c> every <see cref="NeuralOptions.EvalEvery"/> epochs on the validation
/// items (ndcg@10, history = training sequence; or the context's <see cref="TrainingContext.Validator"/>, e.g. next-item
/// MRR on held-out sessions), keeps the best weights (and writes them as a checkpoint when
/// asked), stops after <see cref="NeuralOptions.Patience"/> validations without improvement, and finally
/// prepares scoring with each user's training sequence followed by their validation items.
/// </summary>
public abstract class NeuralRecommender<TOptions> : IArtifactModel, INeuralTrainingReport, IDisposable
    where TOptions : NeuralOptions
{
    private nn.Module? _network;
    private TrainingData? _data;

    protected NeuralRecommender(TOptions options)
    {
        Options = options;
    }

    public abstract string Name { get; }

    protected TOptions Options { get; }

    protected Device Device { get; private set; } = CPU;

    /// <summary>Best validation ndcg@10 seen while training, if the built-in validation ran.</summary>
    public double? BestValidationNdcg { get; private set; }

    /// <summary>Best validation score seen while training (ndcg@10, or the <see cref="TrainingContext.Validator"/>'s metric), if validation ran.</summary>
    public double? BestValidationScore { get; private set; }

    /// <summary>The metric of <see cref="BestValidationScore"/>.</summary>
    public string? ValidationMetric { get; private set; }

    /// <summary>The epoch (1-based) whose weights were kept because they validated best; null without validation.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>Epochs actually run (early stopping may end training sooner).</summary>
    public int EpochsRun { get; private set; }

    public string Describe() => ModelOptions.Format(Options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        Device = TorchRuntime.SelectDevice(context.Device);
        var random = new DeterministicRandom(context.Seed);
        var interactions = context.TrainingInteractions.Count > 0 ? context.TrainingInteractions : FromMatrix(train);
        var data = new TrainingData(train, UserSequences.From(train.UserCount, interactions), context.UserInfos, context.ItemInfos);
        _data = data;

        _network?.Dispose();
        var network = CreateNetwork(data, random);
        network.to(Device);
        _network = network;
        using var optimizer = new AdamOptimizer(network.parameters(), Options.LearningRate, Options.WeightDecay);

        Func<double>? validate = null;
        var metric = "ndcg@10";
        if (Options.Patience > 0 && context.Validator is { } custom)
        {
            validate = () => custom.Score(this);
            metric = custom.Metric;
        }
        else if (Options.Patience > 0 && context.Validation.Count > 0)
        {
            var evaluator = new RankingEvaluator(train.UserCount, train.ItemCount, interactions, [], context.Validation, new EvaluationOptions { K = 10 });
            validate = () => evaluator.Evaluate(this)["ndcg@10"];
        }
        Dictionary<string, Tensor>? best = null;
        var stale = 0;
        EpochsRun = 0;
        BestValidationNdcg = null;
        BestValidationScore = null;
        BestEpoch = null;
        ValidationMetric = validate is null ? null : metric;

        for (var epoch = 0; epoch < Options.Epochs; epoch++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            network.train();
            double lossSum = 0;
            var steps = 0;
            foreach (var batch in Batches(data, random))
            {
                using var scope = NewDisposeScope(); // every tensor of the step is freed here
                optimizer.ZeroGrad();
                var loss = Loss(batch);
                loss.backward();
                optimizer.Step();
                lossSum += loss.item<float>();
                steps++;
            }
            EpochsRun = epoch + 1;
            var status = $"epoch {epoch + 1}/{Options.Epochs}, loss {lossSum / Math.Max(1, steps):0.0000}";

            if (validate is not null && (epoch + 1) % Options.EvalEvery == 0)
            {
                PrepareForScoring(data.Sequences, data);
                var score = validate();
                status += $", valid {metric} {score:0.0000}";
                if (BestValidationScore is null || score > BestValidationScore)
                {
                    BestValidationScore = score;
                    BestValidationNdcg = context.Validator is null ? score : null;
                    BestEpoch = epoch + 1;
                    Release(best);
                    best = Snapshot(network);
                    stale = 0;
                    if (context.CheckpointDirectory is { } directory)
                    {
                        Directory.CreateDirectory(directory);
                        network.save(Path.Combine(directory, $"{Name}.best.weights"));
                    }
                }
                else if (++stale >= Options.Patience)
                {
                    context.Progress?.Report(new TrainingProgress(status + " (early stop)", 1));
                    break;
                }
            }
            context.Progress?.Report(new TrainingProgress(status, (epoch + 1) / (double)Options.Epochs));
        }

        if (best is not null)
        {
            network.load_state_dict(best);
            Release(best);
        }
        PrepareForScoring(data.Sequences.Append(context.Validation), data);
    }

    public abstract void Score(int user, Span<float> scores);

    /// <inheritdoc/>
    public abstract float[] ItemVectors { get; }

    /// <inheritdoc/>
    public abstract int VectorSize { get; }

    /// <inheritdoc/>
    public abstract float[] UserVector(IReadOnlyList<int> history, int user = -1);

    /// <inheritdoc/>
    public virtual void ScoreItems(ReadOnlySpan<float> userVector, ReadOnlySpan<int> items, Span<float> scores)
    {
        var size = VectorSize;
        var vectors = ItemVectors;
        CheckScoreItems(userVector, items, scores, size, vectors.Length / Math.Max(1, size));
        for (var n = 0; n < items.Length; n++)
        {
            scores[n] = System.Numerics.Tensors.TensorPrimitives.Dot(userVector, vectors.AsSpan(items[n] * size, size));
        }
    }

    /// <summary>Argument checks of <see cref="ScoreItems"/>.</summary>
    protected static void CheckScoreItems(ReadOnlySpan<float> userVector, ReadOnlySpan<int> items, Span<float> scores, int size, int itemCount)
    {
        if (userVector.Length != size)
        {
            throw new ArgumentException($"a user vector has {size} values, not {userVector.Length}", nameof(userVector));
        }
        if (scores.Length < items.Length)
        {
            throw new ArgumentException($"{scores.Length} scores for {items.Length} items", nameof(scores));
        }
        foreach (var item in items)
        {
            if ((uint)item >= (uint)itemCount)
            {
                throw new ArgumentOutOfRangeException(nameof(items), item, $"the model knows {itemCount} items");
            }
        }
    }

    public void SaveWeights(string path)
    {
        (_network ?? throw new InvalidOperationException($"{Name} is not trained")).save(path);
        SaveExtras(path);
    }

    public void LoadWeights(string path, int users, int items)
    {
        Device = TorchRuntime.SelectDevice("auto");
        var data = new TrainingData(new UserItemMatrix(users, items, []), UserSequences.From(users, []));
        LoadExtras(path, data);
        _network?.Dispose();
        var network = CreateNetwork(data, new DeterministicRandom(0)); // weights are replaced just below
        network.load(path);
        network.to(Device);
        _network = network;
        _data = data;
    }

    public void UseHistories(UserSequences histories)
    {
        if (_data is null)
        {
            throw new InvalidOperationException($"{Name} has neither been trained nor loaded");
        }
        if (histories.UserCount != _data.UserCount)
        {
            throw new ArgumentException($"{histories.UserCount} histories for a model of {_data.UserCount} users", nameof(histories));
        }
        PrepareForScoring(histories, _data);
    }

    public void Dispose()
    {
        _network?.Dispose();
        _network = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Writes what the network needs besides its weights (e.g. feature vocabularies) next to <paramref name="weightsPath"/>.</summary>
    protected virtual void SaveExtras(string weightsPath)
    {
    }

    /// <summary>Reads what <see cref="SaveExtras"/> wrote, before the network is rebuilt for <paramref name="data"/>.</summary>
    protected virtual void LoadExtras(string weightsPath, TrainingData data)
    {
    }

    /// <summary>Builds the network (parameters initialised from <paramref name="random"/>).</summary>
    protected abstract nn.Module CreateNetwork(TrainingData data, DeterministicRandom random);

    /// <summary>One epoch of batches, as arrays; tensors are made inside <see cref="Loss"/>.</summary>
    protected abstract IEnumerable<object> Batches(TrainingData data, DeterministicRandom random);

    /// <summary>The loss of one batch; runs inside the batch's dispose scope with the network in train mode.</summary>
    protected abstract Tensor Loss(object batch);

    /// <summary>Computes what <see cref="Score"/> needs (e.g. user and item vectors) from these histories.</summary>
    protected abstract void PrepareScoring(UserSequences histories, TrainingData data);

    private void PrepareForScoring(UserSequences histories, TrainingData data)
    {
        _network!.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        PrepareScoring(histories, data);
    }

    private static IReadOnlyList<Interaction> FromMatrix(UserItemMatrix matrix)
    {
        var interactions = new List<Interaction>(matrix.NonZeros);
        for (var u = 0; u < matrix.UserCount; u++)
        {
            var items = matrix.ItemsOf(u);
            var times = matrix.TimesOf(u);
            for (var n = 0; n < items.Length; n++)
            {
                interactions.Add(new Interaction(u, items[n], 1, times[n]));
            }
        }
        return interactions;
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module network)
    {
        // Under no_grad a clone is already detached; detach().clone() made a temporary that, outside any dispose
        // scope, a collection could finalize while clone still read it (see HeldScalar).
        using var noGrad = no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
    }

    private static void Release(Dictionary<string, Tensor>? state)
    {
        if (state is null)
        {
            return;
        }
        foreach (var tensor in state.Values)
        {
            tensor.Dispose();
        }
    }
}
