namespace ImageBuilder.Core.Compression;

/// <summary>
/// Decompresses .xz data (the container of xz-utils: one or more streams of LZMA2 blocks,
/// optionally with the Delta filter) as a read-only, forward-only stream. Every block's
/// integrity check (None, CRC32, CRC64 or SHA-256), every header CRC and each stream's
/// index are verified; anything malformed, truncated or unsupported throws
/// <see cref="InvalidDataException"/>.
/// </summary>
public sealed class XzDecoderStream : Stream
{
    private readonly Stream _compressed;
    private readonly bool _leaveOpen;
    private readonly XzInput _input;
    private readonly XzBlockReader _block;
    private readonly XzIndex _index = new();
    private XzCheck? _check;
    private int _checkType = -1;
    private bool _ended;
    private bool _faulted;
    private bool _disposed;

    public XzDecoderStream(Stream compressed, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        _compressed = compressed;
        _leaveOpen = leaveOpen;
        _input = new XzInput(compressed);
        _block = new XzBlockReader(_input);
    }

    /// <summary>Whether <paramref name="header"/> starts with the .xz magic bytes FD 37 7A 58 5A 00.</summary>
    public static bool IsXz(ReadOnlySpan<byte> header) => header.StartsWith(XzFormat.HeaderMagic);

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("an xz stream cannot tell its length");

    public override long Position
    {
        get => throw new NotSupportedException("an xz stream cannot seek");
        set => throw new NotSupportedException("an xz stream cannot seek");
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }

        if (_faulted)
        {
            throw new InvalidDataException("xz: the stream is corrupt (an earlier read failed)");
        }

        try
        {
            return ReadCore(buffer);
        }
        catch (InvalidDataException)
        {
            _faulted = true;
            throw;
        }
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    /// <summary>Decodes synchronously: the work is CPU-bound and the input is read with it.</summary>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("an xz stream cannot seek");

    public override void SetLength(long value) => throw new NotSupportedException("an xz stream is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("an xz stream is read-only");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed && !_leaveOpen)
        {
            _compressed.Dispose();
        }

        _disposed = true;
        base.Dispose(disposing);
    }

    private int ReadCore(Span<byte> buffer)
    {
        while (!_ended)
        {
            if (_block.IsActive)
            {
                var count = _block.Read(buffer, out var sizes);
                if (count > 0)
                {
                    return count;
                }

                _index.Add(sizes.Unpadded, sizes.Uncompressed);
                continue;
            }

            if (_check is null)
            {
                StartStream();
                continue;
            }

            var sizeByte = _input.ReadByte();
            if (sizeByte != 0)
            {
                _block.Start(XzBlockHeader.Read(_input, sizeByte), _check);
                continue;
            }

            var indexSize = _index.ReadAndVerify(_input);
            XzFormat.ReadStreamFooter(_input, _checkType, indexSize);
            _check = null;
            _ended = !SkipStreamPadding();
        }

        return 0;
    }

    private void StartStream()
    {
        if (_checkType < 0 && _input.Peek() < 0)
        {
            throw new InvalidDataException("xz: not an xz stream (the input is empty)");
        }

        _checkType = XzFormat.ReadStreamHeader(_input);
        _check = XzCheck.Create(_checkType);
    }

    /// <summary>Consumes stream padding (groups of four zero bytes); true when another stream follows.</summary>
    private bool SkipStreamPadding()
    {
        while (_input.Peek() == 0)
        {
            for (var i = 0; i < 4; i++)
            {
                if (_input.Peek() != 0)
                {
                    throw new InvalidDataException("xz: corrupt stream padding (not a multiple of four zero bytes)");
                }

                _input.ReadByte();
            }
        }

        return _input.Peek() >= 0;
    }
}
