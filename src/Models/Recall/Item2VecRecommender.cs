using RecSys.Models.Data;
using RecSys.Models.Training;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="Item2VecRecommender"/>.</summary>
public sealed record Item2VecOptions : SkipGramOptions;

/// <summary>
/// Item2Vec (Barkan and Koenigstein, "Item2Vec: Neural Item Embedding for Collaborative Filtering", 2016):
/// skip-gram with negative sampling over each user's training sequence (see <see cref="SkipGramRecommender{TOptions}"/>).
/// The paper treats a user's items as a set, every other item being context: that is <c>window=0</c>; a positive
/// window keeps only the items near in time.
/// </summary>
public sealed class Item2VecRecommender(Item2VecOptions? options = null) : SkipGramRecommender<Item2VecOptions>(options ?? new Item2VecOptions())
{
    public override string Name => "item2vec";

    protected override IEnumerable<IReadOnlyList<int>> Corpus(TrainingData data, DeterministicRandom random)
    {
        for (var u = 0; u < data.UserCount; u++)
        {
            yield return data.Sequences[u];
        }
    }
}
