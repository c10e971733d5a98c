using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// Labelled examples of one <see cref="FeatureMap"/>, stored by column: sparse ids [N × S], raw dense values
/// [N × Dn] (standardised when batched), one padded id matrix [N × L] with lengths per sequence feature, labels
/// [N × T] and the user of each row (for GAUC). Sequence ids are stored as int32 to halve memory (a history of 50
/// over 1M examples is 200 MB) and widened to int64 when batched. Immutable once built.
/// </summary>
public sealed class CtrDataset
{
    internal CtrDataset(FeatureMap map, int count, long[] sparse, float[] dense, int[][] sequences, int[][] lengths, float[] labels, int[] users, int[] items)
    {
        Map = map;
        Count = count;
        Sparse = sparse;
        Dense = dense;
        Sequences = sequences;
        Lengths = lengths;
        Labels = labels;
        Users = users;
        Items = items;
    }

    public FeatureMap Map { get; }

    public int Count { get; }

    public int TaskCount => Map.Tasks.Count;

    /// <summary>[N × S] row-major, S = <see cref="FeatureMap.Sparse"/> in order.</summary>
    public long[] Sparse { get; }

    /// <summary>[N × Dn] row-major raw values, Dn = <see cref="FeatureMap.Dense"/> in order.</summary>
    public float[] Dense { get; }

    /// <summary>Per sequence feature (<see cref="FeatureMap.Sequences"/> order): [N × L] ids, 0-padded at the end.</summary>
    public int[][] Sequences { get; }

    /// <summary>Per sequence feature: [N] real lengths.</summary>
    public int[][] Lengths { get; }

    /// <summary>[N × T] row-major 0/1 labels.</summary>
    public float[] Labels { get; }

    /// <summary>[N] user index of each row (GAUC groups).</summary>
    public int[] Users { get; }

    /// <summary>[N] item index of each row.</summary>
    public int[] Items { get; }

    /// <summary>The same rows under <paramref name="map"/> (same features in the same order, e.g. with dense scaling set).</summary>
    public CtrDataset WithMap(FeatureMap map)
    {
        if (map.Features.Count != Map.Features.Count || map.Features.Zip(Map.Features).Any(p => p.First.Name != p.Second.Name || p.First.GetType() != p.Second.GetType())
            || !map.Tasks.SequenceEqual(Map.Tasks))
        {
            throw new ArgumentException("the map declares other features or tasks", nameof(map));
        }
        return new CtrDataset(map, Count, Sparse, Dense, Sequences, Lengths, Labels, Users, Items);
    }

    /// <summary>Labels of task <paramref name="task"/> as doubles, for metrics.</summary>
    public double[] LabelsOf(int task)
    {
        var values = new double[Count];
        for (var n = 0; n < Count; n++)
        {
            values[n] = Labels[n * TaskCount + task];
        }
        return values;
    }

    /// <summary>
    /// Tensors for <paramref name="rows"/> on <paramref name="device"/>. Call inside a dispose scope (the tensors
    /// belong to it) or dispose the batch.
    /// </summary>
    public CtrBatch Batch(ReadOnlySpan<int> rows, Device device, bool withLabels = true)
    {
        var b = rows.Length;
        var sparseCount = Map.Sparse.Count;
        var dense = Map.Dense;
        var sparse = new long[b * sparseCount];
        var denseValues = new float[b * dense.Count];
        var labels = new float[b * TaskCount];
        for (var r = 0; r < b; r++)
        {
            var n = rows[r];
            Array.Copy(Sparse, n * sparseCount, sparse, r * sparseCount, sparseCount);
            for (var c = 0; c < dense.Count; c++)
            {
                denseValues[r * dense.Count + c] = (Dense[n * dense.Count + c] - dense[c].Mean) / dense[c].Std;
            }
            Array.Copy(Labels, n * TaskCount, labels, r * TaskCount, TaskCount);
        }
        var sequenceFeatures = Map.Sequences;
        var sequences = new Tensor[sequenceFeatures.Count];
        var masks = new Tensor[sequenceFeatures.Count];
        for (var s = 0; s < sequenceFeatures.Count; s++)
        {
            var length = sequenceFeatures[s].MaxLength;
            var ids = new long[b * length];
            var mask = new float[b * length];
            for (var r = 0; r < b; r++)
            {
                var n = rows[r];
                var real = Lengths[s][n];
                for (var k = 0; k < real; k++)
                {
                    ids[r * length + k] = Sequences[s][n * length + k];
                    mask[r * length + k] = 1;
                }
            }
            sequences[s] = tensor(ids, [b, length], device: device);
            masks[s] = tensor(mask, [b, length], device: device);
        }
        return new CtrBatch(
            b,
            tensor(sparse, [b, sparseCount], device: device),
            tensor(denseValues, [b, dense.Count], device: device),
            sequences,
            masks,
            withLabels ? tensor(labels, [b, TaskCount], device: device) : null);
    }

    /// <summary>The rows in order, in batches of at most <paramref name="size"/>.</summary>
    public IEnumerable<int[]> Batches(int size, Data.DeterministicRandom? shuffle = null)
    {
        var order = new int[Count];
        for (var n = 0; n < Count; n++)
        {
            order[n] = n;
        }
        shuffle?.Shuffle(order);
        for (var start = 0; start < Count; start += size)
        {
            yield return order[start..Math.Min(Count, start + size)];
        }
    }
}

/// <summary>
/// One batch as tensors on the model's device. Sparse [B, S] int64 (0 = unknown), Dense [B, Dn] float32
/// (standardised), per sequence feature ids [B, L] int64 (0 = padding) and mask [B, L] float32 (1 = real),
/// Labels [B, T] float32 (null when scoring).
/// <para>
/// <see cref="SequenceRows"/> lets rows share a sequence (serving: every candidate of a request has the same
/// histories): where entry q is set, Sequences[q] and Masks[q] hold one row per distinct sequence [R, L] and the
/// entry maps each batch row to its sequence row ([B] int64). <see cref="FeatureEmbeddings"/> embeds and pools such a
/// sequence once per distinct row.
/// </para>
/// </summary>
public sealed record CtrBatch(int Count, Tensor Sparse, Tensor Dense, IReadOnlyList<Tensor> Sequences, IReadOnlyList<Tensor> Masks, Tensor? Labels, IReadOnlyList<Tensor?>? SequenceRows = null) : IDisposable
{
    public void Dispose()
    {
        Sparse.Dispose();
        Dense.Dispose();
        foreach (var t in Sequences.Concat(Masks))
        {
            t.Dispose();
        }
        foreach (var t in SequenceRows ?? [])
        {
            t?.Dispose();
        }
        Labels?.Dispose();
    }
}

/// <summary>Appends encoded examples of one <see cref="FeatureMap"/> and produces a <see cref="CtrDataset"/>.</summary>
public sealed class CtrDatasetBuilder
{
    private readonly FeatureMap _map;
    private readonly SparseFeature[] _sparse;
    private readonly DenseFeature[] _dense;
    private readonly int[] _candidateColumn;
    private readonly SequenceFeature[] _sequences;
    private readonly List<long> _sparseValues = [];
    private readonly List<float> _denseValues = [];
    private readonly List<int>[] _sequenceValues;
    private readonly List<int>[] _lengths;
    private readonly List<float> _labels = [];
    private readonly List<int> _users = [];
    private readonly List<int> _items = [];
    private readonly int _maxSequence;

    public CtrDatasetBuilder(FeatureMap map)
    {
        _map = map;
        _sparse = [.. map.Sparse];
        _dense = [.. map.Dense];
        _candidateColumn = FeatureValues.CandidateColumns(_dense);
        _sequences = [.. map.Sequences];
        _sequenceValues = [.. _sequences.Select(_ => new List<int>())];
        _lengths = [.. _sequences.Select(_ => new List<int>())];
        _maxSequence = _sequences.Length == 0 ? 0 : _sequences.Max(f => f.MaxLength);
    }

    public int Count => _users.Count;

    /// <summary>
    /// Adds one example: <paramref name="user"/> meets <paramref name="item"/> at <paramref name="timestamp"/> (Unix
    /// seconds, UTC) after <paramref name="history"/> (item indices, oldest first; only the last L are kept), of which
    /// the user liked <paramref name="liked"/> and did not like <paramref name="disliked"/> (same order);
    /// <paramref name="recall"/> is the candidate's recall score and 0-based position, for maps with recall signals;
    /// <paramref name="candidate"/> the candidate's features of <see cref="Pipeline.CandidateFeatures"/>, in the order
    /// of the map's candidate features, for maps that have them.
    /// <paramref name="userStatistics"/>/<paramref name="itemStatistics"/> replace the sides' own statistics when given
    /// (leave-one-out for training rows). <paramref name="group"/> is the user index for GAUC.
    /// </summary>
    public void Add(
        UserSide user,
        ItemSide item,
        long timestamp,
        ReadOnlySpan<int> history,
        ReadOnlySpan<float> labels,
        int group,
        UserStatisticsFeatures? userStatistics = null,
        ItemStatisticsFeatures? itemStatistics = null,
        ReadOnlySpan<int> liked = default,
        ReadOnlySpan<int> disliked = default,
        (float Score, int Rank)? recall = null,
        ReadOnlySpan<float> candidate = default)
    {
        if (labels.Length != _map.Tasks.Count)
        {
            throw new ArgumentException($"{labels.Length} labels for {_map.Tasks.Count} tasks", nameof(labels));
        }
        var us = userStatistics ?? user.Statistics;
        var its = itemStatistics ?? item.Statistics;
        var time = FeatureValues.Time(timestamp);
        foreach (var f in _sparse)
        {
            _sparseValues.Add(FeatureValues.Sparse(f.Name, user, item, time, us));
        }
        for (var c = 0; c < _dense.Length; c++)
        {
            _denseValues.Add(_candidateColumn[c] >= 0
                ? FeatureValues.Candidate(candidate, _candidateColumn[c])
                : FeatureValues.Dense(_dense[c].Name, us, its, recall));
        }
        Span<int> ids = stackalloc int[_maxSequence];
        for (var s = 0; s < _sequences.Length; s++)
        {
            var f = _sequences[s];
            var written = FeatureValues.Encode(f, FeatureValues.Sequence(f.Name, item, history, liked, disliked), ids);
            var list = _sequenceValues[s];
            for (var k = 0; k < f.MaxLength; k++)
            {
                list.Add(ids[k]);
            }
            _lengths[s].Add(written);
        }
        foreach (var label in labels)
        {
            _labels.Add(label);
        }
        _users.Add(group);
        _items.Add(item.Id - 1);
    }

    public CtrDataset Build() => new(
        _map,
        Count,
        [.. _sparseValues],
        [.. _denseValues],
        [.. _sequenceValues.Select(l => l.ToArray())],
        [.. _lengths.Select(l => l.ToArray())],
        [.. _labels],
        [.. _users],
        [.. _items]);
}

/// <summary>
/// How each named feature is read off a user, an item, a time and the histories: the one definition shared by
/// <see cref="CtrDatasetBuilder"/> (training and evaluation rows) and <see cref="ServingBatchEncoder"/> (serving
/// batches), so the two cannot drift apart.
/// </summary>
internal static class FeatureValues
{
    public static DateTimeOffset Time(long timestamp) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(timestamp, -62_135_596_800L, 253_402_300_799L));

    public static long Sparse(string name, UserSide user, ItemSide item, DateTimeOffset time, UserStatisticsFeatures us) => name switch
    {
        FeatureNames.UserId => user.Id,
        FeatureNames.ItemId => item.Id,
        FeatureNames.Gender => user.Gender,
        FeatureNames.Age => user.Age,
        FeatureNames.Occupation => user.Occupation,
        FeatureNames.Year => item.Year,
        FeatureNames.Hour => time.Hour + 1,
        FeatureNames.Weekday => (int)time.DayOfWeek + 1,
        FeatureNames.UserTopGenre + "1" => us.Top1,
        FeatureNames.UserTopGenre + "2" => us.Top2,
        FeatureNames.UserTopGenre + "3" => us.Top3,
        _ => throw new NotSupportedException($"sparse feature '{name}' has no encoder"),
    };

    public static float Dense(string name, UserStatisticsFeatures us, ItemStatisticsFeatures its, (float Score, int Rank)? recall) => name switch
    {
        FeatureNames.UserMeanRating => us.MeanRating,
        FeatureNames.UserRatingVariance => us.RatingVariance,
        FeatureNames.UserActivity => us.LogCount,
        FeatureNames.ItemPopularity => its.LogCount,
        FeatureNames.ItemMeanRating => its.MeanRating,
        FeatureNames.RecallScore => recall?.Score ?? throw new ArgumentException("this feature map needs the candidate's recall score and rank", nameof(recall)),
        FeatureNames.RecallLogRank => MathF.Log(1 + (recall?.Rank ?? 0)),
        _ => throw new NotSupportedException($"dense feature '{name}' has no encoder"),
    };

    public static ReadOnlySpan<int> Sequence(string name, ItemSide item, ReadOnlySpan<int> history, ReadOnlySpan<int> liked, ReadOnlySpan<int> disliked) => name switch
    {
        FeatureNames.ItemGenres => item.Genres,
        FeatureNames.TitleTokens => item.Title,
        FeatureNames.HistoryItemId => history,
        FeatureNames.LikedHistoryItemId => liked,
        FeatureNames.DislikedHistoryItemId => disliked,
        _ => throw new NotSupportedException($"sequence feature '{name}' has no encoder"),
    };

    /// <summary>
    /// For each dense feature, its column among the map's candidate features (<see cref="Pipeline.CandidateFeatures"/>,
    /// in map order), or −1 for the other features.
    /// </summary>
    public static int[] CandidateColumns(IReadOnlyList<DenseFeature> dense)
    {
        var columns = new int[dense.Count];
        var next = 0;
        for (var c = 0; c < dense.Count; c++)
        {
            columns[c] = Pipeline.CandidateFeatures.IsCandidateFeature(dense[c].Name) ? next++ : -1;
        }
        return columns;
    }

    /// <summary>A candidate feature's value: a request must carry every candidate feature of the map.</summary>
    public static float Candidate(ReadOnlySpan<float> row, int column) =>
        column < row.Length ? row[column] : throw new ArgumentException("this feature map reads the candidate features of the recall stage; give them for every candidate", nameof(row));

    public static bool IsHistory(string name) =>
        name is FeatureNames.HistoryItemId or FeatureNames.LikedHistoryItemId or FeatureNames.DislikedHistoryItemId;

    /// <summary>True for the features that differ between the candidates of one request (the rest describe the user and the time).</summary>
    public static bool DependsOnItem(FeatureSpec feature) => feature.Name is FeatureNames.ItemId or FeatureNames.Year
        or FeatureNames.ItemPopularity or FeatureNames.ItemMeanRating or FeatureNames.RecallScore or FeatureNames.RecallLogRank
        or FeatureNames.ItemGenres or FeatureNames.TitleTokens
        || Pipeline.CandidateFeatures.IsCandidateFeature(feature.Name);

    /// <summary>
    /// Writes the ids of one sequence into <paramref name="destination"/> (at least MaxLength long), real ids first and
    /// zero padding after, and returns how many are real. Histories keep their most recent MaxLength items and are
    /// shifted by one (index 0 is padding); ids outside the vocabulary are dropped.
    /// </summary>
    public static int Encode(SequenceFeature feature, ReadOnlySpan<int> values, Span<int> destination)
    {
        var isHistory = IsHistory(feature.Name);
        if (isHistory && values.Length > feature.MaxLength)
        {
            values = values[^feature.MaxLength..]; // the most recent ones
        }
        var kept = Math.Min(values.Length, feature.MaxLength);
        var written = 0;
        for (var k = 0; k < kept; k++)
        {
            var id = isHistory ? values[k] + 1 : values[k];
            if (id > 0 && id < feature.Vocabulary)
            {
                destination[written++] = id;
            }
        }
        destination[written..feature.MaxLength].Clear();
        return written;
    }
}
