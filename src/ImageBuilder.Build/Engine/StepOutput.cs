using System.Text;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Build.Engine;

/// <summary>A RUN step's stdout and stderr: passed to the progress as they come, the last lines kept for the error message.</summary>
internal sealed class StepOutput(IBuildProgress progress, StepHandle step) : ForwardWriteStream
{
    private const int TailBytes = 8192;
    private readonly byte[] tail = new byte[TailBytes];
    private long written;

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        lock (tail)
        {
            progress.Output(step, buffer);
            foreach (var b in buffer[Math.Max(0, buffer.Length - TailBytes)..])
            {
                tail[written++ % TailBytes] = b;
            }
        }
    }

    /// <summary>Up to the last <paramref name="count"/> lines the step printed.</summary>
    public IReadOnlyList<string> LastLines(int count = 10)
    {
        lock (tail)
        {
            var length = (int)Math.Min(written, TailBytes);
            var bytes = new byte[length];
            for (var i = 0; i < length; i++)
            {
                bytes[i] = tail[(written - length + i) % TailBytes];
            }

            var lines = Encoding.UTF8.GetString(bytes).TrimEnd('\n').Split('\n');
            return length == 0 ? [] : lines[Math.Max(0, lines.Length - count)..];
        }
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
