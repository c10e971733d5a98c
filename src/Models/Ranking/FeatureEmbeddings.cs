using RecSys.Models.Data;
using RecSys.Models.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace RecSys.Models.Ranking;

/// <summary>A sequence feature's raw embeddings [B, L, D] and mask [B, L] (1 = real element, 0 = padding).</summary>
public sealed record SequenceEmbedding(Tensor Embeddings, Tensor Mask);

/// <summary>
/// The embedded sequences of a batch by name, each [B, L, D] with its mask [B, L] when read. A sequence the batch
/// shares between rows (<see cref="CtrBatch.SequenceRows"/>) is kept per distinct row and expanded to batch rows on
/// first read: most models only pool sequences, which <see cref="FeatureEmbeddings"/> does on the distinct rows.
/// </summary>
public sealed class SequenceEmbeddings
{
    private readonly Dictionary<string, (Tensor Embeddings, Tensor Mask, Tensor? Rows)> _compact = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SequenceEmbedding> _expanded = new(StringComparer.Ordinal);

    public SequenceEmbedding this[string name]
    {
        get
        {
            if (!_expanded.TryGetValue(name, out var value))
            {
                var (embeddings, mask, rows) = _compact.TryGetValue(name, out var found) ? found : throw new KeyNotFoundException($"no sequence '{name}'; sequences are {string.Join(", ", _compact.Keys)}");
                value = rows is null
                    ? new SequenceEmbedding(embeddings, mask)
                    : new SequenceEmbedding(embeddings.index_select(0, rows), mask.index_select(0, rows));
                _expanded[name] = value;
            }
            return value;
        }
    }

    internal void Add(string name, Tensor embeddings, Tensor mask, Tensor? rows) => _compact[name] = (embeddings, mask, rows);

    /// <summary>Embeddings [R, L, D] and mask [R, L] per distinct row, and the row map [B] (null: R = B).</summary>
    internal (Tensor Embeddings, Tensor Mask, Tensor? Rows) Compact(string name) => _compact[name];
}

/// <summary>
/// What <see cref="FeatureEmbeddings"/> gives a model for one batch.
/// <list type="bullet">
/// <item><see cref="Fields"/> [B, F, D]: one embedding per sparse feature and per pooled sequence feature, in
/// <see cref="FeatureMap.Features"/> order (names in <see cref="FieldNames"/>).</item>
/// <item><see cref="Dense"/> [B, Dn]: the standardised dense features (Dn may be 0).</item>
/// <item><see cref="Sequences"/>: raw embeddings and masks of every sequence feature by name, pooled or not
/// (DIN reads hist_item_id here).</item>
/// </list>
/// </summary>
public sealed record EmbeddedBatch(Tensor Fields, Tensor Dense, IReadOnlyList<string> FieldNames, SequenceEmbeddings Sequences)
{
    /// <summary>[B, F·D + Dn]: flattened fields then dense values, the input of a DNN tower.</summary>
    public Tensor Flat() => cat([Fields.flatten(1), Dense], 1);

    /// <summary>[B, D]: the field called <paramref name="name"/> (e.g. item_id, DIN's target).</summary>
    public Tensor Field(string name)
    {
        var index = FieldIndex(name);
        return Fields.select(1, index);
    }

    public int FieldIndex(string name)
    {
        for (var f = 0; f < FieldNames.Count; f++)
        {
            if (FieldNames[f] == name)
            {
                return f;
            }
        }
        throw new KeyNotFoundException($"no field '{name}'; fields are {string.Join(", ", FieldNames)}");
    }
}

/// <summary>
/// The embedding tables of a <see cref="FeatureMap"/>: one table per embedding name (features with a shared name use
/// one table, e.g. item_id and hist_item_id), all of <see cref="Dimension"/> columns, row 0 fixed at zero (padding
/// and unknown ids). Sequence features are mean-pooled with their masks; dense features pass through. Tables are
/// checkpoint keys <c>tables.&lt;name&gt;.weight</c>.
/// </summary>
public sealed class FeatureEmbeddings : nn.Module<CtrBatch, EmbeddedBatch>
{
    private readonly ModuleDict<Embedding> tables;
    private readonly FeatureMap _map;
    private readonly List<(string Name, string Table, int Column, bool IsSequence)> _fields = [];
    private readonly List<(string Name, string Table, int Index)> _sequences = [];

    /// <param name="dimension">Embedding size of every table (a feature's own EmbeddingSize must be null or equal).</param>
    public FeatureEmbeddings(FeatureMap map, int dimension, DeterministicRandom random)
        : base("embeddings")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        _map = map;
        Dimension = dimension;
        var sizes = map.Features.Select(f => f switch { SparseFeature s => s.EmbeddingSize, SequenceFeature q => q.EmbeddingSize, _ => null })
            .OfType<int>().Where(size => size != dimension).ToList();
        if (sizes.Count > 0)
        {
            throw new NotSupportedException($"features declare embedding size {sizes[0]} but the field stack uses {dimension}; leave EmbeddingSize null");
        }
        tables = new ModuleDict<Embedding>();
        foreach (var (table, rows) in map.Tables)
        {
            tables.Add(table, nn.Embedding(Math.Max(1, rows), dimension, padding_idx: 0));
        }
        int sparseColumn = 0, sequenceIndex = 0;
        foreach (var feature in map.Features)
        {
            switch (feature)
            {
                case SparseFeature s:
                    _fields.Add((s.Name, s.Table, sparseColumn++, false));
                    break;
                case SequenceFeature q:
                    if (q.Pooling == SequencePooling.Mean)
                    {
                        _fields.Add((q.Name, q.Table, sequenceIndex, true));
                    }
                    _sequences.Add((q.Name, q.Table, sequenceIndex++));
                    break;
            }
        }
        DenseCount = map.Dense.Count;
        FieldNames = [.. _fields.Select(f => f.Name)];
        RegisterComponents();
        TorchInit.Seeded(this, random);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, _) in map.Tables)
        {
            tables[name].weight![0].zero_();
        }
    }

    /// <summary>D: columns of every embedding.</summary>
    public int Dimension { get; }

    /// <summary>F: fields in the stack (sparse features plus mean-pooled sequence features).</summary>
    public int FieldCount => _fields.Count;

    /// <summary>Dn: dense columns.</summary>
    public int DenseCount { get; }

    /// <summary>F·D + Dn: width of <see cref="EmbeddedBatch.Flat"/>.</summary>
    public int FlatSize => FieldCount * Dimension + DenseCount;

    public IReadOnlyList<string> FieldNames { get; }

    public FeatureMap Map => _map;

    public override EmbeddedBatch forward(CtrBatch batch)
    {
        // Each sequence is embedded (and pooled) once per distinct row: per batch row, or once per request when the
        // batch shares it between rows (CtrBatch.SequenceRows), expanded to batch rows only where it is read.
        var sequences = new SequenceEmbeddings();
        foreach (var (name, table, index) in _sequences)
        {
            sequences.Add(name, tables[table].forward(batch.Sequences[index]), batch.Masks[index], batch.SequenceRows?[index]); // [R, L, D], [R, L]
        }
        var fields = new Tensor[_fields.Count];
        for (var f = 0; f < _fields.Count; f++)
        {
            var (name, table, column, isSequence) = _fields[f];
            if (isSequence)
            {
                var (embeddings, mask, rows) = sequences.Compact(name);
                var total = (embeddings * mask.unsqueeze(-1)).sum(1);                 // [R, D]
                var mean = total / mask.sum(1, keepdim: true).clamp_min(1.0.Held()); // masked mean; empty → 0
                fields[f] = rows is null ? mean : mean.index_select(0, rows);          // [B, D]
            }
            else
            {
                fields[f] = tables[table].forward(batch.Sparse.select(1, column)); // [B, D]
            }
        }
        var stacked = fields.Length > 0 ? stack(fields, 1) : zeros([batch.Count, 0, Dimension], device: batch.Dense.device); // [B, F, D]
        return new EmbeddedBatch(stacked, batch.Dense, FieldNames, sequences);
    }
}
