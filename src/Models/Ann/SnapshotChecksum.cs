using System.Buffers.Binary;

namespace RecSys.Models.Ann;

/// <summary>64-bit FNV-1a over the bytes of a snapshot, so it can end with a checksum of everything before it.</summary>
internal struct Fnv1a
{
    private const ulong OffsetBasis = 0xcbf29ce484222325;
    private const ulong Prime = 0x100000001b3;

    private ulong _hash = OffsetBasis;

    public Fnv1a()
    {
    }

    public readonly ulong Value => _hash;

    public void Add(ReadOnlySpan<byte> bytes)
    {
        var hash = _hash;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }
        _hash = hash;
    }
}

/// <summary>Writes little-endian values to a stream and hashes every byte written.</summary>
internal sealed class ChecksumWriter(Stream stream)
{
    private Fnv1a _hash = new();

    public ulong Checksum => _hash.Value;

    public void Write(ReadOnlySpan<byte> bytes)
    {
        stream.Write(bytes);
        _hash.Add(bytes);
    }

    public void Write(byte value) => Write([value]);

    public void Write(int value)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        Write(bytes);
    }

    public void Write(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        Write(bytes);
    }
}

/// <summary>Reads little-endian values from a stream and hashes every byte read; a short stream throws <see cref="EndOfStreamException"/>.</summary>
internal sealed class ChecksumReader(Stream stream)
{
    private Fnv1a _hash = new();

    public ulong Checksum => _hash.Value;

    public void ReadExactly(Span<byte> bytes)
    {
        stream.ReadExactly(bytes);
        _hash.Add(bytes);
    }

    public byte ReadByte()
    {
        Span<byte> bytes = stackalloc byte[1];
        ReadExactly(bytes);
        return bytes[0];
    }

    public int ReadInt32()
    {
        Span<byte> bytes = stackalloc byte[4];
        ReadExactly(bytes);
        return BinaryPrimitives.ReadInt32LittleEndian(bytes);
    }

    public ulong ReadUInt64()
    {
        Span<byte> bytes = stackalloc byte[8];
        ReadExactly(bytes);
        return BinaryPrimitives.ReadUInt64LittleEndian(bytes);
    }
}
