using System.Buffers.Binary;
using System.Runtime.InteropServices;
using RecSys.Models.Data;

namespace RecSys.Models.Ann;

/// <summary>
/// Snapshot format, version 1 (all numbers little-endian):
/// <code>
/// "RSYSHNSW"                          8-byte magic
/// int32 version = 1
/// int32 metric, dimension, M, efConstruction, efSearch; byte flags (1 = keepPruned, 2 = extendCandidates); uint64 seed
/// int32 nodeCount, liveCount, entryNode (−1 when empty), topLevel (−1 when empty)
/// nodeCount × (int32 id, int32 level, byte deleted)
/// nodeCount × dimension float32       the stored (for cosine: normalised) vectors
/// per node, per layer 0..level: int32 count, count × int32 neighbour
/// uint64 FNV-1a 64 of every byte above
/// </code>
/// Deleted nodes are kept, so a loaded index returns exactly what the saved one did.
/// </summary>
public sealed partial class HnswIndex
{
    /// <summary>The snapshot version <see cref="Save"/> writes and <see cref="Load"/> reads.</summary>
    public const int FormatVersion = 1;

    private static ReadOnlySpan<byte> Magic => "RSYSHNSW"u8;

    /// <summary>
    /// Writes a snapshot to <paramref name="stream"/> (left open). Takes the exclusive lock: searches and inserts
    /// wait until it is written.
    /// </summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        _growth.EnterWriteLock();
        try
        {
            var writer = new ChecksumWriter(stream);
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write((int)_metric);
            writer.Write(_dimension);
            writer.Write(_m);
            writer.Write(_options.EfConstruction);
            writer.Write(EfSearch);
            writer.Write((byte)((_options.KeepPrunedConnections ? 1 : 0) | (_options.ExtendCandidates ? 2 : 0)));
            writer.Write(_options.Seed);
            var (entry, topLevel) = Unpack(_entry);
            writer.Write(_nodeCount);
            writer.Write(_liveCount);
            writer.Write(entry);
            writer.Write(topLevel);
            for (var node = 0; node < _nodeCount; node++)
            {
                writer.Write(_ids[node]);
                writer.Write(_levels[node]);
                writer.Write(_deleted[node]);
            }
            writer.Write(MemoryMarshal.AsBytes(_vectors.AsSpan(0, _nodeCount * _dimension)));
            for (var node = 0; node < _nodeCount; node++)
            {
                for (var layer = 0; layer <= _levels[node]; layer++)
                {
                    var links = Links(node, layer);
                    var count = links[0];
                    writer.Write(count);
                    writer.Write(MemoryMarshal.AsBytes(links.Slice(1, count)));
                }
            }
            Span<byte> checksum = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(checksum, writer.Checksum);
            stream.Write(checksum);
        }
        finally
        {
            _growth.ExitWriteLock();
        }
    }

    /// <summary>
    /// Reads a snapshot written by <see cref="Save"/>, leaving a seekable stream just after it (a non-seekable one
    /// is read to its end). A stream that is not a snapshot, is truncated, is corrupted or has an unknown version
    /// throws <see cref="InvalidDataException"/> saying which.
    /// </summary>
    public static HnswIndex Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        EnsureLittleEndian();
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        try
        {
            return Read(stream);
        }
        catch (EndOfStreamException e)
        {
            throw Invalid("it is truncated (the stream ended before the data did)", e);
        }
    }

    private static HnswIndex Read(Stream stream)
    {
        if (stream.Length - stream.Position < Magic.Length + 4)
        {
            throw Invalid("the stream is too short to hold a header");
        }
        var reader = new ChecksumReader(stream);
        Span<byte> magic = stackalloc byte[8];
        reader.ReadExactly(magic);
        if (!magic.SequenceEqual(Magic))
        {
            throw Invalid("the magic header is missing (this is not an HNSW snapshot)");
        }
        var version = reader.ReadInt32();
        if (version != FormatVersion)
        {
            throw Invalid($"unsupported format version {version}; this build reads version {FormatVersion}");
        }
        var metric = (VectorMetric)reader.ReadInt32();
        Check(Enum.IsDefined(metric), $"unknown metric {(int)metric}");
        var dimension = reader.ReadInt32();
        Check(dimension is > 0 and <= 1 << 16, $"bad dimension {dimension}");
        var m = reader.ReadInt32();
        Check(m is >= 2 and <= 1024, $"bad M {m}");
        var efConstruction = reader.ReadInt32();
        var efSearch = reader.ReadInt32();
        Check(efConstruction > 0 && efSearch > 0, $"bad ef values {efConstruction}/{efSearch}");
        var flags = reader.ReadByte();
        Check(flags <= 3, $"unknown flags {flags}");
        var seed = reader.ReadUInt64();
        var nodeCount = reader.ReadInt32();
        var liveCount = reader.ReadInt32();
        var entry = reader.ReadInt32();
        var topLevel = reader.ReadInt32();
        Check(nodeCount >= 0 && liveCount >= 0 && liveCount <= nodeCount, $"bad counts {nodeCount}/{liveCount}");
        Check(nodeCount == 0 ? entry == -1 && topLevel == -1 : entry >= 0 && entry < nodeCount && topLevel is >= 0 and <= MaxLevel,
            $"bad entry point {entry} at level {topLevel} for {nodeCount} nodes");
        // Smallest possible rest: node records, vectors, one link count per node, the checksum.
        var minimum = nodeCount * (9L + 4L * dimension + 4L) + 8;
        var remaining = stream.Length - stream.Position;
        if (remaining < minimum)
        {
            throw Invalid($"it is truncated: {nodeCount} nodes of dimension {dimension} need at least {minimum} more bytes, the stream has {remaining}");
        }

        var options = new HnswOptions
        {
            M = m,
            EfConstruction = efConstruction,
            EfSearch = efSearch,
            Seed = seed,
            KeepPrunedConnections = (flags & 1) != 0,
            ExtendCandidates = (flags & 2) != 0,
            InitialCapacity = nodeCount,
        };
        var index = new HnswIndex(dimension, metric, options);
        for (var node = 0; node < nodeCount; node++)
        {
            index._ids[node] = reader.ReadInt32();
            var level = reader.ReadInt32();
            Check(level >= 0 && level <= topLevel, $"node {node} has level {level} above the top level {topLevel}");
            index._levels[node] = level;
            var deleted = reader.ReadByte();
            Check(deleted <= 1, $"node {node} has a bad deleted flag {deleted}");
            index._deleted[node] = deleted;
            index._upperLinks[node] = level > 0 ? new int[level * (m + 1)] : null;
        }
        Check(nodeCount == 0 || index._levels[entry] == topLevel, "the entry point is not on the top level");
        reader.ReadExactly(MemoryMarshal.AsBytes(index._vectors.AsSpan(0, nodeCount * dimension)));
        for (var node = 0; node < nodeCount; node++)
        {
            for (var layer = 0; layer <= index._levels[node]; layer++)
            {
                var count = reader.ReadInt32();
                var maxDegree = layer == 0 ? index._m0 : m;
                Check(count >= 0 && count <= maxDegree, $"node {node} has {count} links on layer {layer} (at most {maxDegree})");
                var links = index.Links(node, layer);
                links[0] = count;
                var targets = links.Slice(1, count);
                reader.ReadExactly(MemoryMarshal.AsBytes(targets));
                foreach (var target in targets)
                {
                    Check(target >= 0 && target < nodeCount && target != node && index._levels[target] >= layer,
                        $"node {node} links to an invalid node {target} on layer {layer}");
                }
            }
        }
        var expected = reader.Checksum;
        Span<byte> stored = stackalloc byte[8];
        stream.ReadExactly(stored);
        Check(BinaryPrimitives.ReadUInt64LittleEndian(stored) == expected, "the checksum does not match (the data is corrupted)");

        var nodeOfId = new Dictionary<int, int>(liveCount);
        for (var node = 0; node < nodeCount; node++)
        {
            if (index._deleted[node] == 0)
            {
                Check(nodeOfId.TryAdd(index._ids[node], node), $"id {index._ids[node]} is live twice");
            }
        }
        Check(nodeOfId.Count == liveCount, $"{nodeOfId.Count} live nodes but the header says {liveCount}");
        index._nodeOfId = nodeOfId;
        index._liveCount = liveCount;
        index._nodeCount = nodeCount;
        index._entry = Pack(entry, topLevel);
        // Later inserts draw levels from a generator that depends on the seed and the node count.
        index._levelRandom = new DeterministicRandom(seed ^ ((ulong)nodeCount * 0x9E3779B97F4A7C15UL));
        return index;
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw Invalid(problem);
        }
    }

    private static InvalidDataException Invalid(string problem, Exception? inner = null) =>
        new($"Not a valid HNSW snapshot: {problem}.", inner);

    private static void EnsureLittleEndian()
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("HNSW snapshots are written and read on little-endian machines only");
        }
    }
}
