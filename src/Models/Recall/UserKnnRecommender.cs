using RecSys.Models.Data;

namespace RecSys.Models.Recall;

/// <summary>Options for <see cref="UserKnnRecommender"/>.</summary>
public sealed record UserKnnOptions : IModelOptions
{
    [Option("k", "(int) most similar users kept per user")]
    public int Neighbours { get; init; } = 50;

    [Option("shrink", "(double) shrinkage λ: similarity × c/(c+λ), c = items in common")]
    public double Shrinkage { get; init; } = 10;

    public IEnumerable<string> Validate()
    {
        if (Neighbours is < 1 or > 100_000) yield return "k must be from 1 to 100000";
        if (Shrinkage < 0) yield return "shrink must not be negative";
    }
}

/// <summary>
/// User-based kNN (Herlocker et al., "An Algorithmic Framework for Performing Collaborative Filtering", SIGIR
/// 1999), binary cosine with shrinkage: a candidate's score is the summed similarity of the user's k nearest
/// neighbours who interacted with it.
/// </summary>
public sealed class UserKnnRecommender(UserKnnOptions? options = null) : IRecommender
{
    private readonly UserKnnOptions _options = options ?? new();
    private ScoredItem[][] _neighbours = [];
    private UserItemMatrix? _train;

    public string Name => "usercf";

    public string Describe() => ModelOptions.Format(_options);

    public void Fit(UserItemMatrix train, TrainingContext context)
    {
        var userCount = train.UserCount;
        var neighbours = new ScoredItem[userCount][];
        var done = 0;
        Parallel.For(
            0,
            userCount,
            () => (Counts: new int[userCount], Touched: new List<int>(), Top: new TopK(Math.Min(_options.Neighbours, userCount))),
            (u, _, scratch) =>
            {
                var (counts, touched, top) = scratch;
                foreach (var i in train.ItemsOf(u))
                {
                    foreach (var v in train.UsersOf(i))
                    {
                        if (v != u && counts[v]++ == 0)
                        {
                            touched.Add(v);
                        }
                    }
                }
                var nu = train.UserDegree(u);
                top.Clear();
                foreach (var v in touched)
                {
                    var co = counts[v];
                    counts[v] = 0;
                    top.Offer(v, (float)(co / Math.Sqrt((double)nu * train.UserDegree(v)) * co / (co + _options.Shrinkage)));
                }
                touched.Clear();
                neighbours[u] = top.ToSortedArray();
                var finished = Interlocked.Increment(ref done);
                if (finished % 256 == 0)
                {
                    context.Progress?.Report(new TrainingProgress("similarities", finished / (double)userCount));
                }
                return scratch;
            },
            _ => { });
        _neighbours = neighbours;
        _train = train;
        context.Progress?.Report(new TrainingProgress("similarities", 1));
    }

    public void Score(int user, Span<float> scores)
    {
        scores.Clear();
        foreach (var neighbour in _neighbours[user])
        {
            foreach (var i in _train!.ItemsOf(neighbour.Item))
            {
                scores[i] += neighbour.Score;
            }
        }
    }
}
