namespace RecSys.Models.Ann;

/// <summary>
/// Passes reads or writes through to another stream and keeps a 64-bit FNV-1a hash of every byte that went by,
/// so a snapshot can end with a checksum of everything before it. Does not own the inner stream.
/// </summary>
internal sealed class ChecksumStream(Stream inner) : Stream
{
    private const ulong OffsetBasis = 0xcbf29ce484222325;
    private const ulong Prime = 0x100000001b3;

    private ulong _hash = OffsetBasis;

    public ulong Checksum => _hash;

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        Update(buffer[..read]);
        return read;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        Update(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Update(ReadOnlySpan<byte> bytes)
    {
        var hash = _hash;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * Prime;
        }
        _hash = hash;
    }
}
