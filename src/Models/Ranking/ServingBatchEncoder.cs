using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>
/// Encodes serving requests straight into one <see cref="CtrBatch"/>, with the values <see cref="CtrDatasetBuilder"/>
/// and <see cref="CtrDataset.Batch"/> would give (tested), but in a single pass: the columns that describe the user
/// and the time (ids, demographics, statistics) are encoded once per request and copied to its other candidates'
/// rows, only the item columns are encoded per candidate, and the histories are sent once per request
/// (<see cref="CtrBatch.SequenceRows"/>), so they are embedded and pooled once per request, not once per candidate. Training's builder re-encodes every
/// history for every row, then copies the rows twice more (into a dataset, then into the batch), which was a third of
/// a serving call's time.
/// </summary>
internal sealed class ServingBatchEncoder
{
    private readonly SparseFeature[] _sparse;
    private readonly DenseFeature[] _dense;
    private readonly int[] _candidateColumn;
    private readonly int _candidateWidth;
    private readonly SequenceFeature[] _sequences;
    private readonly bool[] _sparseOfItem;
    private readonly bool[] _denseOfItem;
    private readonly bool[] _sequenceOfItem;
    private readonly int _maxSequence;

    public ServingBatchEncoder(FeatureMap map)
    {
        _sparse = [.. map.Sparse];
        _dense = [.. map.Dense];
        _candidateColumn = FeatureValues.CandidateColumns(_dense);
        _candidateWidth = _candidateColumn.Count(c => c >= 0);
        _sequences = [.. map.Sequences];
        _sparseOfItem = [.. _sparse.Select(FeatureValues.DependsOnItem)];
        _denseOfItem = [.. _dense.Select(FeatureValues.DependsOnItem)];
        _sequenceOfItem = [.. _sequences.Select(FeatureValues.DependsOnItem)];
        _maxSequence = _sequences.Length == 0 ? 0 : _sequences.Max(f => f.MaxLength);
    }

    /// <summary>
    /// One row per candidate, requests in order, on <paramref name="device"/> (tensors belong to the caller's dispose
    /// scope). Candidates are item indices into <paramref name="items"/>; recall scores are read when the map has them.
    /// </summary>
    public CtrBatch Encode(IReadOnlyList<RankingRequest> requests, IReadOnlyList<ItemSide> items, Device device)
    {
        var rows = 0;
        foreach (var request in requests)
        {
            rows += request.Candidates.Count;
        }
        var (s, d) = (_sparse.Length, _dense.Length);
        var sparse = new long[rows * s];
        var dense = new float[rows * d];
        // Item sequences have a row per candidate; user sequences (the histories) one row per request, shared.
        var ids = new long[_sequences.Length][];
        var masks = new float[_sequences.Length][];
        for (var q = 0; q < _sequences.Length; q++)
        {
            var sequenceRows = _sequenceOfItem[q] ? rows : requests.Count;
            ids[q] = new long[sequenceRows * _sequences[q].MaxLength];
            masks[q] = new float[sequenceRows * _sequences[q].MaxLength];
        }
        var requestOfRow = new long[rows];
        Span<int> encoded = stackalloc int[_maxSequence];
        var row = 0;
        for (var r = 0; r < requests.Count; r++)
        {
            var request = requests[r];
            var user = request.User;
            var us = user.Statistics;
            var time = FeatureValues.Time(request.Timestamp);
            var history = Span(request.History);
            var liked = Span(request.Liked);
            var disliked = Span(request.Disliked);
            var first = row;
            for (var n = 0; n < request.Candidates.Count; n++, row++)
            {
                var item = items[request.Candidates[n]];
                var perRequest = n > 0; // the user columns of later candidates are copies of the first one's
                (float, int)? recall = request.RecallScores is { } scores ? (scores[n], n) : null;
                var candidate = request.CandidateFeatures is { } features ? Span(features).Slice(n * _candidateWidth, _candidateWidth) : default;
                for (var c = 0; c < s; c++)
                {
                    sparse[row * s + c] = perRequest && !_sparseOfItem[c]
                        ? sparse[first * s + c]
                        : FeatureValues.Sparse(_sparse[c].Name, user, item, time, us);
                }
                for (var c = 0; c < d; c++)
                {
                    dense[row * d + c] = perRequest && !_denseOfItem[c]
                        ? dense[first * d + c]
                        : ((_candidateColumn[c] >= 0 ? FeatureValues.Candidate(candidate, _candidateColumn[c]) : FeatureValues.Dense(_dense[c].Name, us, item.Statistics, recall)) - _dense[c].Mean) / _dense[c].Std;
                }
                requestOfRow[row] = r;
                for (var q = 0; q < _sequences.Length; q++)
                {
                    if (perRequest && !_sequenceOfItem[q])
                    {
                        continue; // the request's row, written for its first candidate
                    }
                    var length = _sequences[q].MaxLength;
                    var at = (_sequenceOfItem[q] ? row : r) * length;
                    var real = FeatureValues.Encode(_sequences[q], FeatureValues.Sequence(_sequences[q].Name, item, history, liked, disliked), encoded);
                    for (var k = 0; k < real; k++)
                    {
                        ids[q][at + k] = encoded[k];
                        masks[q][at + k] = 1;
                    }
                }
            }
        }
        var sequences = new Tensor[_sequences.Length];
        var sequenceMasks = new Tensor[_sequences.Length];
        var sequenceRowsOf = new Tensor?[_sequences.Length];
        var shared = _sequenceOfItem.Contains(false) ? tensor(requestOfRow, [rows], device: device) : null;
        for (var q = 0; q < _sequences.Length; q++)
        {
            var sequenceRows = _sequenceOfItem[q] ? rows : requests.Count;
            sequences[q] = tensor(ids[q], [sequenceRows, _sequences[q].MaxLength], device: device);
            sequenceMasks[q] = tensor(masks[q], [sequenceRows, _sequences[q].MaxLength], device: device);
            sequenceRowsOf[q] = _sequenceOfItem[q] ? null : shared;
        }
        return new CtrBatch(rows, tensor(sparse, [rows, s], device: device), tensor(dense, [rows, d], device: device), sequences, sequenceMasks, null, sequenceRowsOf);
    }

    private static ReadOnlySpan<int> Span(IReadOnlyList<int>? values) => values switch
    {
        null => default,
        int[] array => array,
        List<int> list => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list),
        _ => values.ToArray(),
    };

    private static ReadOnlySpan<float> Span(IReadOnlyList<float> values) => values switch
    {
        float[] array => array,
        List<float> list => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list),
        _ => values.ToArray(),
    };
}
