using System.Collections.Concurrent;
using RecSys.Models.Artifacts;
using RecSys.Models.Data;
using RecSys.Models.Pipeline;
using RecSys.Models.Ranking;
using RecSys.Models.Recall;
using RecSys.Models.Recall.Session;

namespace RecSys.Grains.Serving;

/// <summary>
/// A recall model whose item vectors serve approximate nearest-neighbour queries: its channel name is the model's
/// name. User vectors are computed from a history of item indices of <see cref="Items"/>; calls into the network are
/// serialised per model (TorchSharp gives no documented guarantee for concurrent forward passes).
/// </summary>
public sealed class VectorModel(string name, IArtifactModel model, IdVocabulary items)
{
    private readonly Lock _gate = new();
    private float[]? _itemVectors;
    private int[] _toServing = [];
    private int[] _fromServing = [];

    /// <summary>
    /// Maps this model's item indices to and from <paramref name="serving"/> (the item vocabulary the request path
    /// indexes candidates by: the loaded dataset's); items one side lacks map to −1.
    /// </summary>
    public VectorModel BindTo(IdVocabulary serving)
    {
        _toServing = [.. Items.Ids.Select(id => serving.TryGetIndex(id, out var i) ? i : -1)];
        _fromServing = [.. serving.Ids.Select(id => Items.TryGetIndex(id, out var i) ? i : -1)];
        return this;
    }

    /// <summary>The serving index of this model's item <paramref name="item"/>, or −1.</summary>
    public int ToServing(int item) => (uint)item < (uint)_toServing.Length ? _toServing[item] : -1;

    /// <summary>This model's index of serving item <paramref name="item"/>, or −1.</summary>
    public int FromServing(int item) => (uint)item < (uint)_fromServing.Length ? _fromServing[item] : -1;

    /// <summary>Scores serving items with this model's query vector (0 for items the model does not know).</summary>
    public IChannelScorer ScorerFor(float[] query) => new VectorScorer(
        i => FromServing(i) >= 0,
        (q, servingItems, scores) =>
        {
            Span<int> mine = servingItems.Length <= 512 ? stackalloc int[servingItems.Length] : new int[servingItems.Length];
            for (var n = 0; n < servingItems.Length; n++)
            {
                mine[n] = Math.Max(0, FromServing(servingItems[n]));
            }
            Model.ScoreItems(q, mine, scores);
        },
        query);

    /// <summary>Channel name (the model's catalogue name, e.g. "gru4rec").</summary>
    public string Name { get; } = name;

    public IArtifactModel Model { get; } = model;

    /// <summary>The model's items, in index order.</summary>
    public IdVocabulary Items { get; } = items;

    public int Dimension => Model.VectorSize;

    /// <summary>[items × <see cref="Dimension"/>] row-major, built once.</summary>
    public float[] ItemVectors
    {
        get
        {
            lock (_gate)
            {
                return _itemVectors ??= Model.ItemVectors;
            }
        }
    }

    /// <summary>A GRU4Rec model advances its state one item at a time; others recompute from the history.</summary>
    public bool IsRecurrent => Model is Gru4RecRecommender;

    /// <summary>The query vector for a history of item indices, oldest first (the user is not known to the model).</summary>
    public float[] UserVector(IReadOnlyList<int> history)
    {
        lock (_gate)
        {
            return Model.UserVector(history);
        }
    }

    /// <summary>
    /// For a recurrent model: the query vector after one more item, given the previous query vector (its last
    /// component is the bias input 1, see <see cref="Gru4RecRecommender.UserVector"/>).
    /// </summary>
    public float[] Step(float[] vector, int item)
    {
        var gru = Model as Gru4RecRecommender ?? throw new InvalidOperationException($"{Name} is not recurrent");
        lock (_gate)
        {
            return gru.StepQuery(vector, item);
        }
    }
}

/// <summary>
/// A ranker with its features, ready to score candidates of its item vocabulary. It holds one copy of the network per
/// ranking worker (<see cref="Scorers"/>, sharing the features): a network serialises its forward passes, so workers
/// sharing one would take turns however many cores are free.
/// </summary>
public sealed class RankerModel(string name, IReadOnlyList<CandidateScorer> scorers, IdVocabulary users, IdVocabulary items)
{
    public RankerModel(string name, CandidateScorer scorer, IdVocabulary users, IdVocabulary items)
        : this(name, [scorer], users, items)
    {
    }

    public string Name { get; } = name;

    /// <summary>The task whose probability orders the list (an index into the map's tasks).</summary>
    public int Task { get; init; }

    /// <summary>The first copy: features, feature map and the scorer of worker 0.</summary>
    public CandidateScorer Scorer { get; } = scorers.Count > 0 ? scorers[0] : throw new ArgumentException("a ranker needs at least one scorer", nameof(scorers));

    /// <summary>One scorer per ranking worker (copies of one network).</summary>
    public IReadOnlyList<CandidateScorer> Scorers { get; } = scorers;

    /// <summary>The copy worker <paramref name="worker"/> scores with.</summary>
    public CandidateScorer ScorerFor(int worker) => Scorers[worker % Scorers.Count];

    public IdVocabulary Users { get; } = users;

    public IdVocabulary Items { get; } = items;

    /// <summary>True when the ranker reads each candidate's recall score and position (trained on impressions).</summary>
    public bool NeedsRecallScores => Scorer.Features.Map.Contains(FeatureNames.RecallScore);

    /// <summary>The candidate features the ranker reads (trained on the recall stage's lists), or null.</summary>
    public CandidateFeatures? CandidateFeatures { get; } = scorers.Count > 0 && scorers[0].Features.Map.CandidateFeatureNames.Count > 0
        ? new CandidateFeatures(Models.Pipeline.CandidateFeatures.ChannelsOf(scorers[0].Features.Map.CandidateFeatureNames))
        : null;
}

/// <summary>
/// The models of one version that this silo serves with, swapped atomically as a whole. ItemCF is built from the
/// loaded dataset at start-up and shared by every version; vector models and the ranker come from the version's
/// artifact folder.
/// </summary>
/// <param name="Version">Artifact version (folder name), or a name for models built in memory.</param>
/// <param name="ItemCf">Item-item neighbours; its items are the serving vocabulary candidates are indexed by.</param>
/// <param name="Vectors">Recall models serving ANN queries, one channel each.</param>
/// <param name="Ranker">The active ranker, or null (results then keep the recall order).</param>
/// <param name="DatasetName">Where the models were built from.</param>
/// <param name="DatasetFingerprint">Fingerprint of that data.</param>
/// <param name="LoadedAt">When the models were loaded.</param>
public sealed record ServingModelSet(
    string Version,
    ItemCfModel ItemCf,
    IReadOnlyList<VectorModel> Vectors,
    RankerModel? Ranker,
    string DatasetName,
    string DatasetFingerprint,
    DateTimeOffset LoadedAt) : IDisposable
{
    /// <summary>Models built in memory from a dataset, without artifacts: ItemCF (and session kNN) only.</summary>
    public ServingModelSet(ItemCfModel itemCf, string datasetName, string datasetFingerprint, DateTimeOffset loadedAt, SessionKnnModel? sessionKnn = null, IdVocabulary? subjects = null)
        : this("itemcf-" + datasetFingerprint[..Math.Min(8, datasetFingerprint.Length)], itemCf, [], null, datasetName, datasetFingerprint, loadedAt)
    {
        SessionKnn = sessionKnn;
        Subjects = subjects;
    }

    /// <summary>V-SKNN over the loaded data's subjects (one session per user), built with ItemCF; null when not served.</summary>
    public SessionKnnModel? SessionKnn { get; init; }

    /// <summary>The loaded data's users: session s of <see cref="SessionKnn"/> is user s (a known user skips itself).</summary>
    public IdVocabulary? Subjects { get; init; }

    /// <summary>The item vocabulary the request path indexes candidates by (the loaded dataset's).</summary>
    public IdVocabulary Items => ItemCf.Items;

    /// <summary>The vector model serving <paramref name="channel"/>, or null.</summary>
    public VectorModel? Vector(string channel) => Vectors.FirstOrDefault(v => v.Name == channel);

    public void Dispose()
    {
        foreach (var vector in Vectors)
        {
            (vector.Model as IDisposable)?.Dispose();
        }
        foreach (var scorer in Ranker?.Scorers ?? [])
        {
            scorer.Ranker.Dispose();
        }
    }
}

/// <summary>
/// Per-silo holder of the active models, shared by every grain activation on the silo, and of the other versions
/// loaded on this silo (the recall shards of a version being activated, or of the previous one while requests that
/// started before a swap finish). Readers take <see cref="Current"/> once per request so a swap never mixes
/// versions within one answer.
/// </summary>
public sealed class ServingModels
{
    // Versions other than the current and the previous one are released: no request runs that long.
    private const int KeptVersions = 2;

    private readonly ConcurrentDictionary<string, Lazy<Task<ServingModelSet>>> _versions = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<string> _activationOrder = [];
    private volatile ServingModelSet? _current;
    private readonly TaskCompletionSource _loaderReady = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Func<string, ServingModelSet>? _loader;

    public ServingModels() => Diagnostics.GrainMetrics.Observe(this);

    /// <summary>The active models, or null before the first load finished.</summary>
    public ServingModelSet? Current => _current;

    /// <summary>Raised after <see cref="Current"/> changed.</summary>
    public event Action<ServingModelSet>? Activated;

    /// <summary>How <see cref="GetAsync"/> loads a version it does not hold (set by the silo once its dataset is loaded).</summary>
    public void UseLoader(Func<string, ServingModelSet> loader)
    {
        _loader = loader;
        _loaderReady.TrySetResult();
    }

    /// <summary>Completes once <see cref="UseLoader"/> was called.</summary>
    public Task LoaderReady => _loaderReady.Task;

    /// <summary>Makes <paramref name="models"/> current (and known by its version).</summary>
    public void Activate(ServingModelSet models)
    {
        _versions.TryAdd(models.Version, new Lazy<Task<ServingModelSet>>(Task.FromResult(models)));
        List<ServingModelSet> released = [];
        lock (_gate)
        {
            _activationOrder.Remove(models.Version);
            _activationOrder.Add(models.Version);
            _current = models;
            while (_activationOrder.Count > KeptVersions)
            {
                var old = _activationOrder[0];
                _activationOrder.RemoveAt(0);
                if (_versions.TryRemove(old, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
                {
                    released.Add(lazy.Value.Result);
                }
            }
        }
        Activated?.Invoke(models);
        // Released after a grace period, not now: a request that took the old set a moment ago may still be scoring.
        if (released.Count > 0)
        {
            _ = Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => released.ForEach(r => r.Dispose()), TaskScheduler.Default);
        }
    }

    /// <summary>The models of <paramref name="version"/>, loading them (once, off the caller's thread) if needed.</summary>
    public Task<ServingModelSet> GetAsync(string version)
    {
        if (_current is { } current && current.Version == version)
        {
            return Task.FromResult(current);
        }
        var loader = _loader ?? throw new InvalidOperationException($"model version '{version}' is not loaded on this silo and no loader is configured");
        var lazy = _versions.GetOrAdd(version, v => new Lazy<Task<ServingModelSet>>(() => Task.Run(() => loader(v))));
        if (lazy.IsValueCreated && (lazy.Value.IsFaulted || lazy.Value.IsCanceled))
        {
            // A failed load (e.g. the folder was still being written) is not cached: this call loads again.
            var fresh = new Lazy<Task<ServingModelSet>>(() => Task.Run(() => loader(version)));
            lazy = _versions.TryUpdate(version, fresh, lazy) ? fresh : _versions.GetOrAdd(version, fresh);
        }
        return lazy.Value;
    }

    /// <summary>True if <paramref name="version"/> is loaded on this silo.</summary>
    public bool Holds(string version) =>
        _versions.TryGetValue(version, out var lazy) && lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully;
}
