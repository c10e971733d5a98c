using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>How two items' user sets are compared.</summary>
public enum ItemSimilarity
{
    /// <summary>c_ij / sqrt(n_i · n_j).</summary>
    Cosine,

    /// <summary>c_ij / (n_i + n_j − c_ij).</summary>
    Jaccard,
}

/// <summary>Options for <see cref="ItemCfModel"/>.</summary>
public sealed record ItemCfOptions
{
    /// <summary>(int) Neighbours kept per item.</summary>
    public int Neighbours { get; init; } = 50;

    /// <summary>
    /// (double) Shrinkage λ: similarities are multiplied by c/(c+λ), where c is the number of users who
    /// interacted with both items, so pairs supported by few users count less.
    /// </summary>
    public double Shrinkage { get; init; } = 10.0;

    /// <summary>(ItemSimilarity) cosine or jaccard.</summary>
    public ItemSimilarity Similarity { get; init; } = ItemSimilarity.Cosine;

    /// <summary>(float) Interactions with a rating below this are ignored (0 keeps all).</summary>
    public float MinRating { get; init; }

    public void Validate()
    {
        if (Neighbours < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Neighbours), Neighbours, "must be at least 1");
        }
        if (Shrinkage < 0 || double.IsNaN(Shrinkage))
        {
            throw new ArgumentOutOfRangeException(nameof(Shrinkage), Shrinkage, "must be non-negative");
        }
    }
}

/// <summary>
/// Item-based collaborative filtering (Sarwar et al., "Item-Based Collaborative Filtering Recommendation
/// Algorithms", WWW 2001) on binary co-occurrence: cosine c_ij / sqrt(n_i · n_j) or Jaccard
/// c_ij / (n_i + n_j − c_ij), times the shrinkage c_ij / (c_ij + λ), where n_i is the number of users of item i
/// and c_ij the number of users of both. Keeps the top-N neighbours per item. Immutable and thread-safe once built.
/// </summary>
public sealed class ItemCfModel
{
    private readonly ScoredItem[][] _neighbours;

    private ItemCfModel(IdVocabulary items, ScoredItem[][] neighbours, ItemCfOptions options)
    {
        Items = items;
        _neighbours = neighbours;
        Options = options;
    }

    public IdVocabulary Items { get; }

    public ItemCfOptions Options { get; }

    public int ItemCount => _neighbours.Length;

    /// <summary>Builds from a whole dataset (the serving path).</summary>
    public static ItemCfModel Build(InteractionDataset dataset, ItemCfOptions? options = null)
    {
        options ??= new ItemCfOptions();
        var interactions = options.MinRating > 0
            ? dataset.Interactions.Where(i => i.Rating >= options.MinRating).ToArray()
            : dataset.Interactions;
        return Build(new UserItemMatrix(dataset.UserCount, dataset.ItemCount, interactions), dataset.Items, options);
    }

    /// <summary>Builds from a training matrix whose item indices follow <paramref name="items"/>.</summary>
    public static ItemCfModel Build(UserItemMatrix matrix, IdVocabulary items, ItemCfOptions? options = null)
    {
        options ??= new ItemCfOptions();
        options.Validate();
        var itemCount = matrix.ItemCount;
        var neighbours = new ScoredItem[itemCount][];
        Parallel.For(
            0,
            itemCount,
            () => (Counts: new int[itemCount], Touched: new List<int>(), Top: new TopK(Math.Min(options.Neighbours, itemCount))),
            (i, _, scratch) =>
            {
                var (counts, touched, top) = scratch;
                foreach (var u in matrix.UsersOf(i))
                {
                    foreach (var j in matrix.ItemsOf(u))
                    {
                        if (j != i && counts[j]++ == 0)
                        {
                            touched.Add(j);
                        }
                    }
                }

                var ni = matrix.ItemDegree(i);
                top.Clear();
                foreach (var j in touched)
                {
                    var co = counts[j];
                    counts[j] = 0;
                    var nj = matrix.ItemDegree(j);
                    var similarity = options.Similarity == ItemSimilarity.Jaccard
                        ? co / (double)(ni + nj - co)
                        : co / Math.Sqrt((double)ni * nj);
                    top.Offer(j, (float)(similarity * co / (co + options.Shrinkage)));
                }
                touched.Clear();
                neighbours[i] = top.ToSortedArray();
                return scratch;
            },
            _ => { });

        return new ItemCfModel(items, neighbours, options);
    }

    /// <summary>The stored neighbours of item index <paramref name="item"/>, most similar first.</summary>
    public ReadOnlySpan<ScoredItem> Neighbours(int item) =>
        (uint)item < (uint)_neighbours.Length ? _neighbours[item] : [];

    /// <summary>
    /// Scores candidates by Σ weight(h) · sim(h, candidate) over the history items h, and returns the best
    /// <paramref name="count"/>, skipping items that <paramref name="exclude"/> rejects.
    /// </summary>
    public ScoredItem[] Recommend(IEnumerable<(int Item, float Weight)> history, int count, Func<int, bool>? exclude = null) =>
        Top(Scores(history), count, exclude);

    /// <summary>Σ weight(h) · sim(h, i) for every item i that is a neighbour of some history item h.</summary>
    public Dictionary<int, float> Scores(IEnumerable<(int Item, float Weight)> history)
    {
        var scores = new Dictionary<int, float>();
        foreach (var (item, weight) in history)
        {
            if (weight <= 0)
            {
                continue;
            }
            foreach (var neighbour in Neighbours(item))
            {
                scores[neighbour.Item] = scores.GetValueOrDefault(neighbour.Item) + weight * neighbour.Score;
            }
        }
        return scores;
    }

    /// <summary>The best <paramref name="count"/> of <paramref name="scores"/>, skipping items <paramref name="exclude"/> rejects.</summary>
    public static ScoredItem[] Top(IReadOnlyDictionary<int, float> scores, int count, Func<int, bool>? exclude = null)
    {
        var top = new TopK(count);
        foreach (var (item, score) in scores)
        {
            if (exclude is null || !exclude(item))
            {
                top.Offer(item, score);
            }
        }
        return top.ToSortedArray();
    }
}
