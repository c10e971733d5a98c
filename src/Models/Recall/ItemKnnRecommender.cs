using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="ItemKnnRecommender"/>.</summary>
public sealed record ItemKnnOptions : IModelOptions
{
    [Option("k", "(int) neighbours kept per item")]
    public int Neighbours { get; init; } = 100;

    [Option("shrink", "(double) shrinkage λ: similarity × c/(c+λ), c = users in common")]
    public double Shrinkage { get; init; } = 10;

    [Option("similarity", "(cosine|jaccard) how two items' user sets are compared")]
    public ItemSimilarity Similarity { get; init; } = ItemSimilarity.Cosine;

    public IEnumerable<string> Validate()
    {
        if (Neighbours is < 1 or > 100_000) yield return "k must be from 1 to 100000";
        if (Shrinkage < 0) yield return "shrink must not be negative";
    }
}

/// <summary>
/// Item-based kNN (Sarwar et al., WWW 2001; the <see cref="ItemCfModel"/> also used online): a candidate's score
/// is the sum of its similarities to the user's training items, over each item's top-k neighbours.
/// </summary>
public sealed class ItemKnnRecommender(ItemKnnOptions? options = null) : IRecommender
{
    private readonly ItemKnnOptions _options = options ?? new();
    private ItemCfModel? _model;
    private UserItemMatrix? _train;

    public string Name => "itemcf";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var items = new IdVocabulary(Enumerable.Range(0, train.ItemCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        _model = ItemCfModel.Build(train, items, new ItemCfOptions
        {
            Neighbours = _options.Neighbours,
            Shrinkage = _options.Shrinkage,
            Similarity = _options.Similarity,
        });
        _train = train;
        context.Progress?.Report(new TrainingProgress("similarities", 1));
    }

    public void Score(int user, Span<float> scores)
    {
        scores.Clear();
        foreach (var h in _train!.ItemsOf(user))
        {
            foreach (var neighbour in _model!.Neighbours(h))
            {
                scores[neighbour.Item] += neighbour.Score;
            }
        }
    }
}
