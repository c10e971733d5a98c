using RecSys.Models.Data;
using RecSys.Models.Evaluation.Metrics;
using RecSys.Models.Recall;
using RecSys.Models.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// A ranking network: a batch in, logits [B, T] out (T = <see cref="FeatureMap.Tasks"/>). Declare the fields in call
/// order and end the constructor with <c>RegisterComponents()</c>: field names are checkpoint keys.
/// </summary>
public abstract class RankingNetwork : nn.Module<CtrBatch, Tensor>
{
    protected RankingNetwork(string name)
        : base(name)
    {
    }
}

/// <summary>
/// The one training loop of the rankers (template method, mirroring <c>NeuralRecommender</c>): the model supplies its
/// network (<see cref="CreateNetwork"/>, usually built on <see cref="CreateEmbeddings"/>); this class runs our Adam with
/// one dispose scope per batch over shuffled training rows, validates every epoch with <c>eval()</c> and
/// <c>no_grad</c> (AUC of task 0), keeps the best weights, stops after <see cref="RankerOptions.Patience"/> epochs
/// without improvement, and reports progress. The loss is the mean binary cross-entropy over tasks
/// (<see cref="Loss"/> can be overridden, e.g. for task weights).
/// </summary>
/// <remarks>
/// Thread safety: after <see cref="Fit"/> or <see cref="Load"/> the network stays in eval mode and is never switched
/// again; <see cref="Predict(CtrBatch)"/> takes a per-instance lock, so concurrent callers are serialised. TorchSharp
/// documents no guarantee for concurrent forward passes through one module (our Orleans notes: it worked in a test,
/// but nothing promises it), and the serving path (RankerGrain) micro-batches concurrent requests into one forward
/// pass anyway, so the lock costs little; libtorch's intra-op threads still parallelise each pass. Serve more
/// concurrency with more instances (one per worker), not by dropping the lock.
/// </remarks>
public abstract class RankingModel<TOptions> : IRanker
    where TOptions : RankerOptions
{
    private readonly Lock _gate = new();
    private RankingNetwork? _network;
    private FeatureMap? _map;

    protected RankingModel(TOptions options)
    {
        Options = options;
    }

    public abstract string Name { get; }

    protected TOptions Options { get; }

    public Device Device { get; private set; } = CPU;

    public FeatureMap FeatureMap => _map ?? throw new InvalidOperationException($"{Name} has neither been trained nor loaded");

    public IReadOnlyList<string> Tasks => FeatureMap.Tasks;

    public double? BestValidationAuc { get; private set; }

    /// <summary>Epochs actually run (early stopping may end training sooner).</summary>
    public int EpochsRun { get; private set; }

    public string Describe() => ModelOptions.Format(Options);

    public void Fit(CtrDataset train, CtrDataset? validation, RankingContext context)
    {
        if (train.Count == 0)
        {
            throw new ArgumentException("no training examples", nameof(train));
        }
        Device = TorchRuntime.SelectDevice(context.Device);
        var random = new DeterministicRandom(Options.Seed > 0 ? (ulong)Options.Seed : context.Seed);
        _map = train.Map;
        _network?.Dispose();
        var network = CreateNetwork(train.Map, random);
        network.to(Device);
        _network = network;
        using var optimizer = new AdamOptimizer(network.parameters(), Options.LearningRate, Options.WeightDecay);
        var validate = validation is { Count: > 0 } && Options.Patience > 0;
        Dictionary<string, Tensor>? best = null;
        var stale = 0;
        BestValidationAuc = null;
        EpochsRun = 0;

        for (var epoch = 0; epoch < Options.Epochs; epoch++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            network.train();
            double lossSum = 0;
            var steps = 0;
            foreach (var rows in train.Batches(Options.BatchSize, random))
            {
                using var scope = NewDisposeScope(); // every tensor of the step is freed here
                optimizer.ZeroGrad();
                var batch = train.Batch(rows, Device);
                var loss = Loss(network.forward(batch), batch.Labels!);
                loss.backward();
                optimizer.Step();
                lossSum += loss.item<float>();
                steps++;
            }
            EpochsRun = epoch + 1;
            var status = $"epoch {epoch + 1}/{Options.Epochs}, loss {lossSum / Math.Max(1, steps):0.0000}";
            if (validate)
            {
                network.eval();
                var probabilities = PredictRows(network, validation!);
                var auc = Auc.Of(validation!.LabelsOf(0), Column(probabilities, validation.TaskCount, 0));
                status += $", valid auc {auc:0.0000}";
                if (BestValidationAuc is null || auc > BestValidationAuc)
                {
                    BestValidationAuc = auc;
                    Release(best);
                    best = Snapshot(network);
                    stale = 0;
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
        network.eval(); // and never switched again: see the remarks on thread safety
    }

    public float[] Predict(CtrBatch batch)
    {
        var network = _network ?? throw new InvalidOperationException($"{Name} has neither been trained nor loaded");
        lock (_gate)
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return sigmoid(network.forward(batch)).cpu().data<float>().ToArray();
        }
    }

    /// <summary>Probabilities [N × T] row-major for every row of <paramref name="data"/>.</summary>
    public float[] Predict(CtrDataset data)
    {
        var network = _network ?? throw new InvalidOperationException($"{Name} has neither been trained nor loaded");
        lock (_gate)
        {
            return PredictRows(network, data);
        }
    }

    public void Save(string folder)
    {
        var network = _network ?? throw new InvalidOperationException($"{Name} is not trained");
        Directory.CreateDirectory(folder);
        network.save(Path.Combine(folder, "weights.bin"));
        FeatureMap.Save(Path.Combine(folder, "feature_map.json"));
    }

    public void Load(string folder, string device = "auto")
    {
        Device = TorchRuntime.SelectDevice(device);
        var map = FeatureMap.Load(Path.Combine(folder, "feature_map.json"));
        var network = CreateNetwork(map, new DeterministicRandom(0)); // weights are replaced just below
        network.load(Path.Combine(folder, "weights.bin"));
        network.to(Device);
        network.eval();
        _network?.Dispose();
        _network = network;
        _map = map;
    }

    public void Dispose()
    {
        _network?.Dispose();
        _network = null;
        GC.SuppressFinalize(this);
    }

    /// <summary>Builds the network for <paramref name="map"/> (parameters initialised from <paramref name="random"/>).</summary>
    protected abstract RankingNetwork CreateNetwork(FeatureMap map, DeterministicRandom random);

    /// <summary>
    /// The shared embedding module for <paramref name="map"/>: one table per embedding name, of
    /// <paramref name="dimension"/> columns (default <see cref="RankerOptions.EmbeddingSize"/>). Give it to the network
    /// as a field (e.g. <c>embeddings</c>); its forward returns the [B, F, D] field stack, dense input and raw sequences.
    /// </summary>
    protected FeatureEmbeddings CreateEmbeddings(FeatureMap map, DeterministicRandom random, int? dimension = null) =>
        new(map, dimension ?? Options.EmbeddingSize, random);

    /// <summary>The loss of one batch: logits [B, T] against labels [B, T]; mean binary cross-entropy over rows and tasks.</summary>
    protected virtual Tensor Loss(Tensor logits, Tensor labels) =>
        nn.functional.binary_cross_entropy_with_logits(logits, labels);

    private float[] PredictRows(RankingNetwork network, CtrDataset data)
    {
        var output = new float[data.Count * data.TaskCount];
        var offset = 0;
        using var noGrad = no_grad();
        foreach (var rows in data.Batches(Math.Max(Options.BatchSize, 4096)))
        {
            using var scope = NewDisposeScope();
            var probabilities = sigmoid(network.forward(data.Batch(rows, Device, withLabels: false))).cpu().data<float>().ToArray();
            probabilities.CopyTo(output, offset);
            offset += probabilities.Length;
        }
        return output;
    }

    /// <summary>Column <paramref name="task"/> of an [N × T] row-major array, as doubles.</summary>
    public static double[] Column(float[] values, int tasks, int task)
    {
        var column = new double[values.Length / tasks];
        for (var n = 0; n < column.Length; n++)
        {
            column[n] = values[n * tasks + task];
        }
        return column;
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
