namespace RecSys.Models.Pipeline;

/// <summary>
/// The dense features the ranker reads about each candidate besides the item itself: for every channel of the
/// version, whether it found the candidate, at which position, its score and that score relative to the channel's
/// best (every channel scores every candidate, found by it or not); and how the candidate sits in the subject's own
/// history (how recently and how often it was seen, whether it is the last item). The one definition shared by the
/// ranker's training lists and by serving, so the two cannot drift apart. Feature names start with
/// <see cref="Prefix"/>.
/// </summary>
public sealed class CandidateFeatures
{
    public const string Prefix = "cand:";

    /// <summary>The position written for a candidate a channel did not list: log(1 + 100).</summary>
    private static readonly float Unlisted = MathF.Log(101f);

    private const int PerChannel = 4;

    public CandidateFeatures(IReadOnlyList<string> channels)
    {
        Channels = channels;
        var names = new List<string>();
        foreach (var channel in channels)
        {
            names.Add($"{Prefix}{channel}:in");
            names.Add($"{Prefix}{channel}:rank");
            names.Add($"{Prefix}{channel}:score");
            names.Add($"{Prefix}{channel}:rel");
        }
        names.Add(Prefix + "hist:recency");
        names.Add(Prefix + "hist:count");
        names.Add(Prefix + "hist:last");
        Names = names;
    }

    /// <summary>The channels, in the order their features appear.</summary>
    public IReadOnlyList<string> Channels { get; }

    /// <summary>Feature names in order (the width of a row).</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>True for a dense feature name this class computes.</summary>
    public static bool IsCandidateFeature(string name) => name.StartsWith(Prefix, StringComparison.Ordinal);

    /// <summary>The channels named by feature names of this class (in order, each once).</summary>
    public static IReadOnlyList<string> ChannelsOf(IEnumerable<string> featureNames) =>
    [
        .. featureNames
            .Where(n => IsCandidateFeature(n) && n.EndsWith(":in", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^":in".Length])
            .Distinct(StringComparer.Ordinal),
    ];

    /// <summary>
    /// [candidates × <see cref="Names"/>] row-major. A channel of <see cref="Channels"/> missing from
    /// <paramref name="lists"/> (it failed or was late) gives the values of "not found, no opinion".
    /// </summary>
    public float[] Compute(IReadOnlyList<int> candidates, IReadOnlyList<ChannelHits> lists, ReadOnlySpan<HistoryEvent> history)
    {
        var width = Names.Count;
        var values = new float[candidates.Count * width];
        var items = candidates as int[] ?? [.. candidates];
        var scores = new float[items.Length];
        for (var c = 0; c < Channels.Count; c++)
        {
            var list = lists.FirstOrDefault(l => l.Channel == Channels[c]);
            var offset = c * PerChannel;
            if (list is null)
            {
                for (var n = 0; n < items.Length; n++)
                {
                    values[n * width + offset + 1] = Unlisted;
                }
                continue;
            }
            var positions = new Dictionary<int, int>(list.Hits.Count);
            var best = float.NegativeInfinity;
            for (var p = 0; p < list.Hits.Count; p++)
            {
                positions.TryAdd(list.Hits[p].Item, p);
                best = Math.Max(best, list.Hits[p].Score);
            }
            if (list.Scorer is { } scorer)
            {
                scorer.Score(items, scores);
            }
            else
            {
                for (var n = 0; n < items.Length; n++)
                {
                    scores[n] = positions.TryGetValue(items[n], out var p) ? list.Hits[p].Score : 0f;
                }
            }
            if (float.IsNegativeInfinity(best))
            {
                best = 0f;
            }
            for (var n = 0; n < items.Length; n++)
            {
                var row = n * width + offset;
                var listed = positions.TryGetValue(items[n], out var position);
                values[row] = listed ? 1f : 0f;
                values[row + 1] = listed ? MathF.Log(1 + position) : Unlisted;
                var score = float.IsFinite(scores[n]) ? scores[n] : 0f;
                values[row + 2] = score;
                values[row + 3] = score - best;
            }
        }

        // History: steps since the candidate's latest occurrence (0 = the last item), how often it occurs.
        var latest = new Dictionary<int, int>();
        var counts = new Dictionary<int, int>();
        for (var h = 0; h < history.Length; h++)
        {
            var item = history[h].Item;
            if (item < 0)
            {
                continue;
            }
            latest[item] = history.Length - 1 - h;
            counts[item] = counts.GetValueOrDefault(item) + 1;
        }
        var historyOffset = Channels.Count * PerChannel;
        for (var n = 0; n < items.Length; n++)
        {
            var row = n * width + historyOffset;
            if (latest.TryGetValue(items[n], out var steps))
            {
                values[row] = 1f / (1 + steps);
                values[row + 1] = MathF.Log(1 + counts[items[n]]);
                values[row + 2] = steps == 0 ? 1f : 0f;
            }
        }
        return values;
    }
}
