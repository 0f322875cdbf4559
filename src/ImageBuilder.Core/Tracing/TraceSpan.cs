using System.Diagnostics;

namespace ImageBuilder.Core.Tracing;

/// <summary>
/// An open span of a <see cref="BuildTrace"/> (see <see cref="BuildTrace.Phase"/>): arguments
/// added while it is open, recorded with its end time when disposed. The default value, which an
/// untraced flow gets, does nothing.
/// </summary>
public readonly struct TraceSpan : IDisposable
{
    private readonly OpenSpan? span;

    internal TraceSpan(OpenSpan span) => this.span = span;

    /// <summary>Whether the span is recorded (the flow is traced).</summary>
    public bool IsRecording => span is not null;

    /// <summary>Sets a count (bytes, files, entries) on the span.</summary>
    public TraceSpan Arg(string name, long value)
    {
        span?.Set(name, value);
        return this;
    }

    /// <summary>Sets a text argument on the span.</summary>
    public TraceSpan Arg(string name, string value)
    {
        span?.Set(name, value);
        return this;
    }

    /// <summary>Sets a yes/no argument on the span.</summary>
    public TraceSpan Arg(string name, bool value)
    {
        span?.Set(name, value);
        return this;
    }

    /// <summary>Sets a duration measured inside the span (in milliseconds, as a viewer shows them).</summary>
    public TraceSpan Arg(string name, TimeSpan value)
    {
        span?.Set(name, Math.Round(value.TotalMilliseconds, 3));
        return this;
    }

    public void Dispose() => span?.End();
}

/// <summary>A span being timed; becomes a <see cref="TraceEvent"/> when it ends (once).</summary>
internal sealed class OpenSpan
{
    private readonly TraceContext context;
    private readonly string name;
    private readonly string category;
    private readonly long start = Stopwatch.GetTimestamp();
    private readonly TraceContext? previous;
    private readonly bool entered;
    private readonly Lock gate = new();
    private List<KeyValuePair<string, object>>? args;
    private int ended;

    /// <summary>Opens a span in <paramref name="context"/>; with <paramref name="enters"/> it becomes the flow's innermost span until it ends.</summary>
    public OpenSpan(TraceContext context, string name, string category, bool enters)
    {
        this.context = context;
        this.name = name;
        this.category = category;
        if (enters)
        {
            previous = BuildTrace.Swap(context with { Span = this });
            entered = true;
        }
    }

    public void Set(string key, object value)
    {
        lock (gate)
        {
            args ??= [];
            var at = args.FindIndex(a => a.Key == key);
            if (at >= 0)
            {
                args[at] = new(key, value);
            }
            else
            {
                args.Add(new(key, value));
            }
        }
    }

    public void End()
    {
        if (Interlocked.Exchange(ref ended, 1) != 0)
        {
            return;
        }

        if (entered)
        {
            BuildTrace.Restore(previous);
        }

        IReadOnlyList<KeyValuePair<string, object>> recorded;
        lock (gate)
        {
            recorded = args is null ? [] : [.. args];
        }

        context.Trace.Add(new TraceEvent(name, category, context.Track, start, Stopwatch.GetTimestamp(), context.Step, recorded));
    }
}

/// <summary>The ambient trace context of a flow, set until disposed (see <see cref="BuildTrace.Activate"/>, <see cref="BuildTrace.Track"/>).</summary>
public readonly struct TraceScope : IDisposable
{
    private readonly TraceContext? previous;
    private readonly bool entered;

    private TraceScope(TraceContext? previous)
    {
        this.previous = previous;
        entered = true;
    }

    public void Dispose()
    {
        if (entered)
        {
            BuildTrace.Restore(previous);
        }
    }

    internal static TraceScope Enter(TraceContext context) => new(BuildTrace.Swap(context));
}
