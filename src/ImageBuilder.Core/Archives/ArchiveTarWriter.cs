using System.Buffers;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Archives;

/// <summary>
/// Writes the image archives' tar with the layer packer's header encoder: deterministic
/// (no process ids in PAX header names, no atime/ctime), and PAX records only where ustar
/// cannot hold a value (so layers of 8 GiB and more are fine).
/// </summary>
internal sealed class ArchiveTarWriter(Stream output)
{
    private readonly ArrayBufferWriter<byte> header = new(2 * TarHeaderEncoder.BlockSize);

    public Task AddDirectoryAsync(string name, CancellationToken cancellationToken) =>
        WriteHeaderAsync(new TarHeader { Name = name, TypeFlag = TarTypeFlag.Directory, Mode = 0x1ED }, cancellationToken);

    public async Task AddFileAsync(string name, Stream content, long size, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(new TarHeader { Name = name, TypeFlag = TarTypeFlag.Regular, Mode = 0x1A4, Size = size }, cancellationToken);
        var buffer = new byte[1 << 16];
        long copied = 0;
        int read;
        while (copied < size && (read = await content.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - copied)), cancellationToken)) > 0)
        {
            await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            copied += read;
        }

        if (copied != size)
        {
            throw new IOException($"{name} changed size while it was being written ({copied} of {size} bytes)");
        }

        await output.WriteAsync(new byte[TarHeaderEncoder.Padding(size)], cancellationToken);
    }

    /// <summary>A file of <paramref name="size"/> bytes that <paramref name="write"/> writes (exactly that many) into the stream it is given.</summary>
    public async Task AddFileAsync(string name, long size, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        await WriteHeaderAsync(new TarHeader { Name = name, TypeFlag = TarTypeFlag.Regular, Mode = 0x1A4, Size = size }, cancellationToken);
        var body = new BoundedBody(output, size);
        await write(body);
        if (body.Written != size)
        {
            throw new IOException($"{name} came out {body.Written} bytes long, not {size}");
        }

        await output.WriteAsync(new byte[TarHeaderEncoder.Padding(size)], cancellationToken);
    }

    public Task AddFileAsync(string name, byte[] content, CancellationToken cancellationToken) =>
        AddFileAsync(name, new MemoryStream(content), content.Length, cancellationToken);

    /// <summary>The two zero blocks that end a tar.</summary>
    public async Task FinishAsync(CancellationToken cancellationToken) =>
        await output.WriteAsync(new byte[2 * TarHeaderEncoder.BlockSize], cancellationToken);

    private async Task WriteHeaderAsync(TarHeader entry, CancellationToken cancellationToken)
    {
        header.Clear();
        TarHeaderEncoder.Encode(entry, header);
        await output.WriteAsync(header.WrittenMemory, cancellationToken);
    }

    /// <summary>
    /// An entry's body: passes writes through up to the size its header gave and counts the rest
    /// without writing it, so that the writer's own check (a layer's digest) speaks first and
    /// <see cref="AddFileAsync(string, long, Func{Stream, Task}, CancellationToken)"/> refuses a wrong length after it.
    /// </summary>
    private sealed class BoundedBody(Stream output, long size) : ForwardWriteStream
    {
        public long Written { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer[..Fitting(buffer.Length)]);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            output.WriteAsync(buffer[..Fitting(buffer.Length)], cancellationToken);

        private int Fitting(int bytes)
        {
            var fitting = (int)Math.Clamp(size - Written, 0, bytes);
            Written += bytes;
            return fitting;
        }
    }
}
