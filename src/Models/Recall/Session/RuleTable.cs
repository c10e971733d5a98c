namespace RecSys.Models.Recall.Session;

/// <summary>
/// Weighted rules a → b in compressed rows: each item's rules sorted strongest first (ties: the more popular target,
/// then the smaller index) and cut to a maximum. Built item by item in parallel with a dense scratch per thread, as
/// <see cref="ItemCfModel"/> is; stored in O(rules). Read-only once built.
/// </summary>
internal sealed class RuleTable
{
    private readonly int[] _start;
    private readonly int[] _targets;
    private readonly float[] _weights;

    private RuleTable(int[] start, int[] targets, float[] weights)
    {
        _start = start;
        _targets = targets;
        _weights = weights;
    }

    public int ItemCount => _start.Length - 1;

    public int RuleCount => _targets.Length;

    public ReadOnlySpan<int> Targets(int item) => _targets.AsSpan(_start[item], _start[item + 1] - _start[item]);

    public ReadOnlySpan<float> Weights(int item) => _weights.AsSpan(_start[item], _start[item + 1] - _start[item]);

    /// <param name="accumulate">Adds the rule weights of item a into the dense scratch (and lists each target it touches once).</param>
    /// <param name="maxRules">Rules kept per item; 0 keeps all.</param>
    public static RuleTable Build(SessionIndex index, int maxRules, Action<int, double[], List<int>> accumulate)
    {
        var itemCount = index.ItemCount;
        var rows = new (int Target, float Weight)[itemCount][];
        Parallel.For(
            0,
            itemCount,
            () => (Scratch: new double[itemCount], Touched: new List<int>()),
            (a, _, local) =>
            {
                var (scratch, touched) = local;
                accumulate(a, scratch, touched);
                // Summed in double, ranked and stored as float (the scores callers see).
                var rules = new (int Target, float Weight)[touched.Count];
                for (var n = 0; n < touched.Count; n++)
                {
                    rules[n] = (touched[n], (float)scratch[touched[n]]);
                    scratch[touched[n]] = 0;
                }
                touched.Clear();
                Array.Sort(rules, (x, y) =>
                {
                    var c = y.Weight.CompareTo(x.Weight);
                    if (c == 0) c = index.Popularity[y.Target].CompareTo(index.Popularity[x.Target]);
                    return c != 0 ? c : x.Target.CompareTo(y.Target);
                });
                var kept = maxRules > 0 ? Math.Min(maxRules, rules.Length) : rules.Length;
                rows[a] = [.. rules.Take(kept).Where(r => r.Weight > 0)];
                return local;
            },
            _ => { });

        var start = new int[itemCount + 1];
        for (var a = 0; a < itemCount; a++)
        {
            start[a + 1] = checked(start[a] + rows[a].Length);
        }
        var targets = new int[start[^1]];
        var weights = new float[start[^1]];
        for (var a = 0; a < itemCount; a++)
        {
            for (var n = 0; n < rows[a].Length; n++)
            {
                targets[start[a] + n] = rows[a][n].Target;
                weights[start[a] + n] = rows[a][n].Weight;
            }
        }
        return new RuleTable(start, targets, weights);
    }

    /// <summary>Dense scores of the rules of <paramref name="item"/> (zero elsewhere, and everywhere for an unknown item).</summary>
    public void Score(int item, Span<float> scores)
    {
        scores.Clear();
        if ((uint)item >= (uint)ItemCount)
        {
            return;
        }
        var targets = Targets(item);
        var weights = Weights(item);
        for (var n = 0; n < targets.Length; n++)
        {
            scores[targets[n]] = weights[n];
        }
    }

    /// <summary>The first <paramref name="count"/> rules of <paramref name="item"/> (already in order) that <paramref name="exclude"/> accepts.</summary>
    public ScoredItem[] Recommend(int item, int count, Func<int, bool>? exclude)
    {
        if ((uint)item >= (uint)ItemCount || count <= 0)
        {
            return [];
        }
        var targets = Targets(item);
        var weights = Weights(item);
        var result = new List<ScoredItem>(Math.Min(count, targets.Length));
        for (var n = 0; n < targets.Length && result.Count < count; n++)
        {
            if (exclude is null || !exclude(targets[n]))
            {
                result.Add(new ScoredItem(targets[n], weights[n]));
            }
        }
        return [.. result];
    }
}
