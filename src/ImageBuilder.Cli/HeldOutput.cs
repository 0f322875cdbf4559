using System.Text;

namespace ImageBuilder.Cli;

/// <summary>
/// Standard output and error held in memory, in the order they were written, until
/// <see cref="Release"/> writes them out, or dropped: what rootless ibuild prints while it
/// builds outside its user namespace, where the build may turn out to need the namespace and
/// start again inside it, which prints it all again.
/// </summary>
internal sealed class HeldOutput
{
    private readonly List<(bool Error, StringBuilder Text)> chunks = [];

    public HeldOutput()
    {
        Out = new Writer(this, error: false);
        Error = new Writer(this, error: true);
    }

    /// <summary>Standard output, held.</summary>
    public TextWriter Out { get; }

    /// <summary>Standard error, held.</summary>
    public TextWriter Error { get; }

    /// <summary>Writes what was held to <paramref name="stdout"/> and <paramref name="stderr"/>, in order, and flushes them.</summary>
    public void Release(TextWriter stdout, TextWriter stderr)
    {
        lock (chunks)
        {
            foreach (var (error, text) in chunks)
            {
                (error ? stderr : stdout).Write(text.ToString());
            }

            chunks.Clear();
        }

        stdout.Flush();
        stderr.Flush();
    }

    private void Add(bool error, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        lock (chunks)
        {
            if (chunks.Count == 0 || chunks[^1].Error != error)
            {
                chunks.Add((error, new StringBuilder()));
            }

            chunks[^1].Text.Append(text);
        }
    }

    private sealed class Writer(HeldOutput held, bool error) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;

        public override void Write(char value) => held.Add(error, [value]);

        public override void Write(string? value) => held.Add(error, value);

        public override void Write(char[] buffer, int index, int count) => held.Add(error, buffer.AsSpan(index, count));

        public override void Write(ReadOnlySpan<char> buffer) => held.Add(error, buffer);
    }
}
