using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>An in-memory <see cref="IFileTreeReader"/>: entries in the order added, content from byte arrays or generators.</summary>
internal sealed class FakeFileTree : IFileTreeReader
{
    public static readonly DateTimeOffset Time = new(2024, 5, 6, 7, 8, 9, TimeSpan.Zero);

    private readonly List<FileTreeEntry> entries = [];
    private readonly Dictionary<string, Func<Stream>> contents = new(StringComparer.Ordinal);

    public int OpenCount { get; private set; }

    public FakeFileTree Directory(string path, int mode = 0x1ED /* 0755 */, bool opaque = false, int uid = 0, int gid = 0) =>
        Add(new FileTreeEntry { Path = path, Kind = FileTreeEntryKind.Directory, Mode = mode, Opaque = opaque, Uid = uid, Gid = gid, ModificationTime = Time });

    public FakeFileTree File(string path, string text, int mode = 0x1A4 /* 0644 */, int uid = 0, int gid = 0) =>
        File(path, System.Text.Encoding.UTF8.GetBytes(text), mode, uid, gid);

    public FakeFileTree File(string path, byte[] content, int mode = 0x1A4, int uid = 0, int gid = 0, IReadOnlyDictionary<string, byte[]>? xattrs = null)
    {
        contents[path] = () => new MemoryStream(content, writable: false);
        return Add(new FileTreeEntry
        {
            Path = path,
            Kind = FileTreeEntryKind.RegularFile,
            Mode = mode,
            Uid = uid,
            Gid = gid,
            Size = content.Length,
            ModificationTime = Time,
            ExtendedAttributes = xattrs ?? new Dictionary<string, byte[]>(),
        });
    }

    /// <summary>A large file whose bytes come from a seeded generator, never held in memory whole.</summary>
    public FakeFileTree GeneratedFile(string path, long size, int seed)
    {
        contents[path] = () => new GeneratedStream(size, seed);
        return Add(new FileTreeEntry { Path = path, Kind = FileTreeEntryKind.RegularFile, Mode = 0x1A4, Size = size, ModificationTime = Time });
    }

    public FakeFileTree Add(FileTreeEntry entry)
    {
        entries.Add(entry);
        return this;
    }

    public IEnumerable<FileTreeEntry> Enumerate(string root) => entries;

    public Stream OpenRead(string root, FileTreeEntry entry)
    {
        OpenCount++;
        return contents[entry.Path]();
    }

    /// <summary>Pseudo-random bytes, half of them compressible (32-byte runs of 'a'); byte i
    /// depends only on the seed and i, so any reader sees the same content.</summary>
    internal sealed class GeneratedStream(long size, int seed) : Stream
    {
        private long position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => size;

        public override long Position { get => position; set => throw new NotSupportedException(); }

        public static byte At(long position, int seed)
        {
            if ((position & 63) < 32)
            {
                return (byte)'a';
            }

            // splitmix64 of (seed, position)
            var z = (ulong)position + ((ulong)seed * 0x9E3779B97F4A7C15UL);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (byte)(z ^ (z >> 31));
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var count = (int)Math.Min(buffer.Length, size - position);
            for (var i = 0; i < count; i++)
            {
                buffer[i] = At(position + i, seed);
            }

            position += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
