using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Recall;

/// <summary>
/// Options for <see cref="BprRecommender"/>. The defaults are the Cornac BPR settings behind the Microsoft
/// Recommenders MovieLens benchmark (k=200, 100 iterations, lr 0.01, λ 0.001, per-sample SGD).
/// </summary>
public sealed record BprOptions : IModelOptions
{
    [Option("factors", "(int) latent dimensions")]
    public int Factors { get; init; } = 200;

    [Option("epochs", "(int) passes over the training pairs, one sampled negative each")]
    public int Epochs { get; init; } = 100;

    [Option("batch", "(int) (user, positive, negative) triples per step")]
    public int BatchSize { get; init; } = 1024;

    [Option("lr", "(double) learning rate")]
    public double LearningRate { get; init; } = 0.01;

    [Option("reg", "(double) L2 penalty on the embeddings and biases of each triple")]
    public double Regularization { get; init; } = 1e-3;

    [Option("optimizer", "(adam|sgd) adam on the batch-mean loss, or plain SGD on the batch-summed loss, where lr means the same as in per-sample SGD (as Cornac's BPR)")]
    public BprOptimizer Optimizer { get; init; } = BprOptimizer.Sgd;

    public IEnumerable<string> Validate()
    {
        if (Factors is < 1 or > 4096) yield return "factors must be from 1 to 4096";
        if (Epochs is < 1 or > 100_000) yield return "epochs must be from 1 to 100000";
        if (BatchSize is < 1 or > 1_000_000) yield return "batch must be from 1 to 1000000";
        if (LearningRate <= 0) yield return "lr must be positive";
        if (Regularization < 0) yield return "reg must not be negative";
    }
}

/// <summary>How <see cref="BprRecommender"/> updates its parameters.</summary>
public enum BprOptimizer
{
    Adam,
    Sgd,
}

/// <summary>
/// BPR-MF (Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009): user and item
/// embeddings plus an item bias, trained with TorchSharp to rank each observed item above a uniformly sampled
/// unobserved one: loss = −log σ(x_ui − x_uj) + reg · (‖e_u‖² + ‖e_i‖² + ‖e_j‖² + b_i² + b_j²).
/// </summary>
public sealed class BprRecommender(BprOptions? options = null) : IRecommender
{
    private readonly BprOptions _options = options ?? new();
    private float[] _users = [];
    private float[] _items = [];
    private float[] _bias = [];

    public string Name => "bpr";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var o = _options;
        var device = TorchRuntime.SelectDevice(context.Device);
        var sampler = new DeterministicRandom(context.Seed);

        // Every observed (user, item) pair, flattened.
        var pairUsers = new int[train.NonZeros];
        var pairItems = new int[train.NonZeros];
        for (int u = 0, n = 0; u < train.UserCount; u++)
        {
            foreach (var i in train.ItemsOf(u))
            {
                pairUsers[n] = u;
                pairItems[n++] = i;
            }
        }
        var order = Enumerable.Range(0, pairUsers.Length).ToArray();

        // Initial weights come from our seeded generator, not torch's global one, which other code may reseed.
        using var model = new BprModule(train.UserCount, train.ItemCount, o.Factors, sampler);
        model.to(device);
        model.train();
        var perSample = o.Optimizer == BprOptimizer.Sgd;
        using IStepOptimizer optimizer = perSample
            ? new SgdOptimizer(model.parameters(), o.LearningRate)
            : new AdamOptimizer(model.parameters(), o.LearningRate);

        var batchUsers = new long[o.BatchSize];
        var batchPositives = new long[o.BatchSize];
        var batchNegatives = new long[o.BatchSize];
        var batches = (order.Length + o.BatchSize - 1) / o.BatchSize;
        for (var epoch = 0; epoch < o.Epochs; epoch++)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            sampler.Shuffle(order);
            var epochLoss = 0.0;
            for (var b = 0; b < batches; b++)
            {
                var start = b * o.BatchSize;
                var size = Math.Min(o.BatchSize, order.Length - start);
                for (var k = 0; k < size; k++)
                {
                    var pair = order[start + k];
                    var u = pairUsers[pair];
                    batchUsers[k] = u;
                    batchPositives[k] = pairItems[pair];
                    batchNegatives[k] = SampleNegative(train, u, sampler);
                }

                using var scope = NewDisposeScope(); // one per batch: every tensor of the step is freed here
                var users = tensor(batchUsers.AsSpan(0, size).ToArray(), device: device);
                var positives = tensor(batchPositives.AsSpan(0, size).ToArray(), device: device);
                var negatives = tensor(batchNegatives.AsSpan(0, size).ToArray(), device: device);
                optimizer.ZeroGrad();
                var loss = model.Loss(users, positives, negatives, o.Regularization, sum: perSample);
                loss.backward();
                optimizer.Step();
                epochLoss += loss.item<float>() * (perSample ? 1 : size);
            }
            context.Progress?.Report(new TrainingProgress($"epoch {epoch + 1}/{o.Epochs}, loss {epochLoss / order.Length:0.0000}", (epoch + 1) / (double)o.Epochs));
        }

        model.eval();
        using (no_grad())
        {
            (_users, _items, _bias) = model.Export();
        }
    }

    public void Score(int user, Span<float> scores)
    {
        VectorScoring.Dot(VectorScoring.Row(_users, user, _options.Factors), _items, _bias, scores);
    }

    private static long SampleNegative(UserItemMatrix train, int user, DeterministicRandom random)
    {
        // Rejection sampling: the matrix is sparse, so a uniformly drawn item is almost always unobserved.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var j = random.Next(train.ItemCount);
            if (!train.Contains(user, j))
            {
                return j;
            }
        }
        return random.Next(train.ItemCount);
    }

    /// <summary>The network; field names are checkpoint keys.</summary>
    private sealed class BprModule : nn.Module
    {
        private readonly Embedding user_embedding;
        private readonly Embedding item_embedding;
        private readonly Embedding item_bias;

        public BprModule(int users, int items, int factors, DeterministicRandom random)
            : base("bpr")
        {
            user_embedding = nn.Embedding(users, factors);
            item_embedding = nn.Embedding(items, factors);
            item_bias = nn.Embedding(items, 1);
            RegisterComponents();
            // Each .weight read is a new tensor handle: free them (not the parameters) with a scope.
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            TorchInit.Normal(user_embedding.weight!, random, 0.01);
            TorchInit.Normal(item_embedding.weight!, random, 0.01);
            nn.init.zeros_(item_bias.weight!);
        }

        /// <summary>
        /// BPR loss of a batch: the mean (for Adam) or the sum (for SGD, so each triple's gradient is what a
        /// per-sample update would apply; the penalty is then λ/2 · ‖θ‖², whose gradient is λθ as in Rendle's
        /// update rule).
        /// </summary>
        public Tensor Loss(Tensor users, Tensor positives, Tensor negatives, double regularization, bool sum)
        {
            var u = user_embedding.forward(users);                 // [B, D]
            var i = item_embedding.forward(positives);             // [B, D]
            var j = item_embedding.forward(negatives);             // [B, D]
            var bi = item_bias.forward(positives).squeeze(-1);     // [B]
            var bj = item_bias.forward(negatives).squeeze(-1);     // [B]
            var difference = (u * (i - j)).sum(-1).Plus(bi) - bj;  // [B] x_ui − x_uj
            var penalty = u.Squared().sum(-1).Plus(i.Squared().sum(-1)).Plus(j.Squared().sum(-1)).Plus(bi.Squared()).Plus(bj.Squared());
            var perTriple = (-nn.functional.logsigmoid(difference)).Plus(penalty.mul((sum ? regularization / 2 : regularization).Held()));
            return sum ? perTriple.sum() : perTriple.mean();
        }

        public (float[] Users, float[] Items, float[] Bias) Export()
        {
            using var scope = NewDisposeScope(); // handles and CPU copies die here; the arrays are ours
            return (
                user_embedding.weight!.cpu().data<float>().ToArray(),
                item_embedding.weight!.cpu().data<float>().ToArray(),
                item_bias.weight!.cpu().data<float>().ToArray());
        }
    }
}
