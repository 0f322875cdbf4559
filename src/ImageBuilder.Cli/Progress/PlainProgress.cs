using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImageBuilder.Build.Engine;

namespace ImageBuilder.Cli.Progress;

/// <summary>
/// Progress as BuildKit's plain mode prints it: <c>#N title</c> when a step starts, its output
/// as <c>#N 0.123 line</c> (seconds since the step started; before it, why an earlier build's
/// step missed: <c>#N cache miss: …</c>), then <c>#N CACHED</c>,
/// <c>#N DONE 1.2s</c> or <c>#N ERROR: message</c>. Lines of parallel steps interleave whole.
/// </summary>
internal sealed class PlainProgress(TextWriter writer) : IBuildProgress
{
    private readonly object gate = new();
    private readonly Dictionary<int, (Stopwatch Clock, StringBuilder Partial)> running = [];
    private int next;

    public StepHandle Start(string title)
    {
        lock (gate)
        {
            var step = new StepHandle(++next, title);
            running[step.Number] = (Stopwatch.StartNew(), new StringBuilder());
            writer.WriteLine($"#{step.Number} {title}");
            writer.Flush();
            return step;
        }
    }

    public void Cached(StepHandle step) => End(step, "CACHED");

    public void Done(StepHandle step)
    {
        lock (gate)
        {
            var seconds = running.TryGetValue(step.Number, out var state) ? state.Clock.Elapsed.TotalSeconds : 0;
            End(step, "DONE " + seconds.ToString("0.0", CultureInfo.InvariantCulture) + "s");
        }
    }

    public void Failed(StepHandle step, string message) => End(step, "ERROR: " + message);

    /// <summary>Why the step runs again: one line, <c>#N cache miss: REASON</c>, before its output.</summary>
    public void Missed(StepHandle step, string reason)
    {
        lock (gate)
        {
            writer.WriteLine($"#{step.Number} cache miss: {reason}");
            writer.Flush();
        }
    }

    public void Output(StepHandle step, ReadOnlySpan<byte> data)
    {
        var text = Encoding.UTF8.GetString(data);
        lock (gate)
        {
            if (!running.TryGetValue(step.Number, out var state))
            {
                return;
            }

            state.Partial.Append(text);
            var all = state.Partial.ToString();
            var end = all.LastIndexOf('\n');
            if (end < 0)
            {
                return;
            }

            foreach (var line in all[..end].Split('\n'))
            {
                WriteLine(step, state.Clock, line.TrimEnd('\r'));
            }

            state.Partial.Clear().Append(all[(end + 1)..]);
            writer.Flush();
        }
    }

    private void End(StepHandle step, string status)
    {
        lock (gate)
        {
            if (running.Remove(step.Number, out var state) && state.Partial.Length > 0)
            {
                WriteLine(step, state.Clock, state.Partial.ToString());
            }

            writer.WriteLine($"#{step.Number} {status}");
            writer.Flush();
        }
    }

    private void WriteLine(StepHandle step, Stopwatch clock, string line) =>
        writer.WriteLine($"#{step.Number} {clock.Elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)} {line}");
}

/// <summary>--progress quiet: nothing but the image id at the end.</summary>
internal sealed class QuietProgress : IBuildProgress
{
    private int next;

    public StepHandle Start(string title) => new(Interlocked.Increment(ref next), title);

    public void Cached(StepHandle step)
    {
    }

    public void Output(StepHandle step, ReadOnlySpan<byte> data)
    {
    }

    public void Done(StepHandle step)
    {
    }

    public void Failed(StepHandle step, string message)
    {
    }
}
