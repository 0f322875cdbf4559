using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>One call the unpacker made on its <see cref="IFileTreeWriter"/>.</summary>
internal sealed record WriterCall(string Operation, string Path, FileTreeEntry? Entry = null, byte[]? Content = null, DateTimeOffset? Time = null);

/// <summary>A writer that records every call (and reads each file's content) instead of touching a disk.</summary>
internal sealed class RecordingFileTreeWriter : IFileTreeWriter
{
    public const string Write = "write";
    public const string Opaque = "opaque";
    public const string DirectoryTime = "time";

    public List<WriterCall> Calls { get; } = [];

    /// <summary>When set, <see cref="IFileTreeWriter.Write"/> throws this for the entry with that path.</summary>
    public (string Path, Exception Error)? FailOn { get; init; }

    public IEnumerable<WriterCall> Writes => Calls.Where(c => c.Operation == Write);

    public FileTreeEntry Entry(string path) => Writes.Last(c => c.Path == path).Entry!;

    public byte[] Content(string path) => Writes.Last(c => c.Path == path).Content!;

    void IFileTreeWriter.Write(string root, FileTreeEntry entry, Stream? content)
    {
        if (FailOn is { } failure && failure.Path == entry.Path)
        {
            throw failure.Error;
        }

        byte[]? data = null;
        if (content is not null)
        {
            var buffer = new MemoryStream();
            content.CopyTo(buffer);
            data = buffer.ToArray();
        }

        Calls.Add(new WriterCall(Write, entry.Path, entry, data));
    }

    void IFileTreeWriter.MarkOpaque(string root, string path) => Calls.Add(new WriterCall(Opaque, path));

    void IFileTreeWriter.SetDirectoryTime(string root, string path, DateTimeOffset time) =>
        Calls.Add(new WriterCall(DirectoryTime, path, Time: time));

    /// <summary>Whether the unpacker asked for the snapshot to be made durable (after all writes).</summary>
    public bool Flushed { get; private set; }

    void IFileTreeWriter.Flush(string root) => Flushed = true;
}
