namespace RecSys.Models.Recall.Session;

/// <summary>Options for <see cref="AssociationRulesModel"/>.</summary>
public sealed record AssociationRulesOptions : IModelOptions
{
    [Option("max_rules", "(int) strongest rules kept per item (0 = all); metrics at K are exact while K + distinct prefix items <= max_rules")]
    public int MaxRules { get; init; } = 500;

    public IEnumerable<string> Validate()
    {
        if (MaxRules < 0) yield return "max_rules must not be negative";
    }
}

/// <summary>How <see cref="SequentialRulesModel"/> weighs a rule by the steps between its two items.</summary>
public enum RuleStepWeighting
{
    /// <summary>1/gap (session-rec's default "div").</summary>
    Div,

    /// <summary>1 for any gap within the window.</summary>
    Same,

    /// <summary>1/gap².</summary>
    Quadratic,
}

/// <summary>Options for <see cref="SequentialRulesModel"/>.</summary>
public sealed record SequentialRulesOptions : IModelOptions
{
    [Option("steps", "(int) b counts after a when it follows within this many positions")]
    public int Steps { get; init; } = 10;

    [Option("weighting", "(div|same|quadratic) rule weight by the gap between a and b: 1/gap, 1 or 1/gap^2")]
    public RuleStepWeighting Weighting { get; init; } = RuleStepWeighting.Div;

    [Option("max_rules", "(int) strongest rules kept per item (0 = all); metrics at K are exact while K + distinct prefix items <= max_rules")]
    public int MaxRules { get; init; } = 500;

    public IEnumerable<string> Validate()
    {
        if (Steps is < 1 or > 1000) yield return "steps must be from 1 to 1000";
        if (MaxRules < 0) yield return "max_rules must not be negative";
    }
}

/// <summary>
/// Association rules for sessions (Agrawal et al., SIGMOD 1993, as simplified for session-based recommendation by
/// Ludewig and Jannach, "Evaluation of session-based recommendation algorithms", UMUAI 2018, session-rec's
/// <c>ar.py</c>): the weight of a → b is the number of position pairs (p, q), p ≠ q, of a training session with a at
/// p and b at q, a ≠ b (so a session with a twice and b once adds 2); the prefix is scored by the rules of its last
/// item. session-rec also counts a → a and keeps 20 rules per item by default; the reference script and this model
/// skip a → a and keep <see cref="AssociationRulesOptions.MaxRules"/> (500). Memory O(items × max_rules); built
/// per item from the sessions of that item. Immutable and thread-safe.
/// </summary>
public sealed class AssociationRulesModel : ISessionRecommender
{
    private readonly SessionIndex _index;
    private readonly RuleTable _rules;

    private AssociationRulesModel(SessionIndex index, RuleTable rules, AssociationRulesOptions options)
    {
        _index = index;
        _rules = rules;
        Options = options;
    }

    public AssociationRulesOptions Options { get; }

    public int ItemCount => _index.ItemCount;

    public IReadOnlyList<int> Popularity => _index.Popularity;

    /// <summary>Rules stored over all items.</summary>
    public int RuleCount => _rules.RuleCount;

    public static AssociationRulesModel Build(IReadOnlyList<int[]> sessions, int itemCount, AssociationRulesOptions? options = null)
    {
        options ??= new AssociationRulesOptions();
        if (options.Validate().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        var index = SessionIndex.Build(sessions, itemCount);
        var rules = RuleTable.Build(index, options.MaxRules, (a, scratch, touched) =>
        {
            foreach (var s in index.SessionsOf(a))
            {
                var items = index.Session(s);
                var countOfA = 0;
                foreach (var item in items)
                {
                    countOfA += item == a ? 1 : 0;
                }
                foreach (var b in items)
                {
                    if (b != a)
                    {
                        if (scratch[b] == 0)
                        {
                            touched.Add(b);
                        }
                        scratch[b] += countOfA;
                    }
                }
            }
        });
        return new AssociationRulesModel(index, rules, options);
    }

    /// <summary>The rule weight of <paramref name="a"/> → <paramref name="b"/> (0 when not kept).</summary>
    public float Weight(int a, int b)
    {
        var n = (uint)a < (uint)ItemCount ? _rules.Targets(a).IndexOf(b) : -1;
        return n < 0 ? 0 : _rules.Weights(a)[n];
    }

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores) => _rules.Score(prefix.IsEmpty ? -1 : prefix[^1], scores);

    public ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null) =>
        _rules.Recommend(prefix.IsEmpty ? -1 : prefix[^1], count, exclude);
}

/// <summary>
/// Sequential rules (Kamehkhosh, Jannach and Ludewig, "A comparison of frequent pattern techniques and a deep
/// learning method for session-based recommendation", TempRec workshop at RecSys 2017; session-rec's <c>sr.py</c>):
/// the weight of a → b sums, over training sessions and positions p &lt; q with a at p and b at q, q − p ≤ steps
/// (10) and a ≠ b, the gap weight 1/(q − p); the prefix is scored by the rules of its last item. session-rec also
/// counts a → a and keeps 20 rules per item by default; the reference script and this model skip a → a and keep
/// <see cref="SequentialRulesOptions.MaxRules"/> (500). Memory O(min(steps × events, items × max_rules)).
/// Immutable and thread-safe.
/// </summary>
public sealed class SequentialRulesModel : ISessionRecommender
{
    private readonly SessionIndex _index;
    private readonly RuleTable _rules;

    private SequentialRulesModel(SessionIndex index, RuleTable rules, SequentialRulesOptions options)
    {
        _index = index;
        _rules = rules;
        Options = options;
    }

    public SequentialRulesOptions Options { get; }

    public int ItemCount => _index.ItemCount;

    public IReadOnlyList<int> Popularity => _index.Popularity;

    /// <summary>Rules stored over all items.</summary>
    public int RuleCount => _rules.RuleCount;

    public static SequentialRulesModel Build(IReadOnlyList<int[]> sessions, int itemCount, SequentialRulesOptions? options = null)
    {
        options ??= new SequentialRulesOptions();
        if (options.Validate().FirstOrDefault() is { } problem)
        {
            throw new ArgumentException(problem, nameof(options));
        }
        var index = SessionIndex.Build(sessions, itemCount);
        var weighting = options.Weighting;
        var rules = RuleTable.Build(index, options.MaxRules, (a, scratch, touched) =>
        {
            foreach (var s in index.SessionsOf(a))
            {
                var items = index.Session(s);
                for (var p = 0; p < items.Length; p++)
                {
                    if (items[p] != a)
                    {
                        continue;
                    }
                    for (var q = p + 1; q < items.Length && q - p <= options.Steps; q++)
                    {
                        var b = items[q];
                        if (b == a)
                        {
                            continue;
                        }
                        if (scratch[b] == 0)
                        {
                            touched.Add(b);
                        }
                        var gap = q - p;
                        scratch[b] += weighting switch
                        {
                            RuleStepWeighting.Same => 1.0,
                            RuleStepWeighting.Quadratic => 1.0 / (gap * gap),
                            _ => 1.0 / gap,
                        };
                    }
                }
            }
        });
        return new SequentialRulesModel(index, rules, options);
    }

    /// <summary>The rule weight of <paramref name="a"/> → <paramref name="b"/> (0 when not kept).</summary>
    public float Weight(int a, int b)
    {
        var n = (uint)a < (uint)ItemCount ? _rules.Targets(a).IndexOf(b) : -1;
        return n < 0 ? 0 : _rules.Weights(a)[n];
    }

    public void Score(ReadOnlySpan<int> prefix, Span<float> scores) => _rules.Score(prefix.IsEmpty ? -1 : prefix[^1], scores);

    public ScoredItem[] Recommend(ReadOnlySpan<int> prefix, int count, Func<int, bool>? exclude = null) =>
        _rules.Recommend(prefix.IsEmpty ? -1 : prefix[^1], count, exclude);
}
