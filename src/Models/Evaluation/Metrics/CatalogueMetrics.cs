namespace RecSys.Models.Evaluation.Metrics;

/// <summary>A metric over all users' top-K lists at once.</summary>
public interface IListMetric
{
    string Name { get; }

    bool HigherIsBetter { get; }

    double Compute(IReadOnlyList<int[]> lists);
}

/// <summary>Catalogue coverage: the share of all items that appear in at least one user's top K.</summary>
public sealed class CatalogueCoverage(int itemCount) : IListMetric
{
    public string Name => "coverage";

    public bool HigherIsBetter => true;

    public double Compute(IReadOnlyList<int[]> lists)
    {
        var seen = new HashSet<int>();
        foreach (var list in lists)
        {
            seen.UnionWith(list);
        }
        return itemCount == 0 ? 0 : seen.Count / (double)itemCount;
    }
}

/// <summary>
/// Novelty: the mean self-information −log2(p_i) of recommended items, where p_i is the share of training users
/// who interacted with item i (an item nobody interacted with counts as one user). Higher means less obvious.
/// </summary>
public sealed class Novelty(IReadOnlyList<int> usersPerItem, int userCount) : IListMetric
{
    public string Name => "novelty";

    public bool HigherIsBetter => true;

    public double Compute(IReadOnlyList<int[]> lists)
    {
        double sum = 0;
        long count = 0;
        foreach (var list in lists)
        {
            foreach (var item in list)
            {
                sum += -Math.Log2(Math.Max(1, usersPerItem[item]) / (double)userCount);
                count++;
            }
        }
        return count == 0 ? 0 : sum / count;
    }
}
