using System.Diagnostics;

namespace ImageBuilder.Core.Tracing;

/// <summary>
/// A trace of one build (<c>ibuild build --trace FILE</c>): timed spans on tracks, written as
/// Chrome trace-event JSON (<see cref="TraceEventWriter"/>). The code that does the work opens a
/// span where it works (<see cref="Phase"/>) and adds its byte and file counts to it
/// (<see cref="TraceSpan.Arg(string, long)"/>); which trace, track and step a span belongs to
/// comes from the ambient context, which flows with the async flow into <c>Task.Run</c>, awaits
/// and threads started with <c>Thread.Start</c>. With no trace active every call does nothing
/// and allocates nothing.
/// </summary>
public sealed class BuildTrace
{
    /// <summary>The track of the build's own work (plan, pulls, naming, export, push); tracks are numbered from it
    /// (not from 0, which trace tools may take for the kernel's idle thread).</summary>
    public const int BuildTrack = 1;

    private static readonly AsyncLocal<TraceContext?> Ambient = new();

    private readonly long origin = Stopwatch.GetTimestamp();
    private readonly Lock gate = new();
    private readonly List<TraceEvent> events = [];
    private readonly List<(int Id, string Name)> tracks = [(BuildTrack, "build")];

    /// <summary>Whether the calling flow is traced.</summary>
    public static bool IsActive => Ambient.Value is not null;

    /// <summary>The spans recorded so far, in the order they ended.</summary>
    public IReadOnlyList<TraceEvent> Events
    {
        get
        {
            lock (gate)
            {
                return [.. events];
            }
        }
    }

    /// <summary>The tracks (rows in a trace viewer) by id, the build's own first.</summary>
    public IReadOnlyList<(int Id, string Name)> Tracks
    {
        get
        {
            lock (gate)
            {
                return [.. tracks];
            }
        }
    }

    /// <summary>Makes this trace the ambient one of the calling flow, on the build's track, until disposed.</summary>
    public TraceScope Activate() => TraceScope.Enter(new TraceContext(this, BuildTrack, null, null));

    /// <summary>Waiting for the disk: a "durability" span naming the <paramref name="call"/> (fsync, syncfs).</summary>
    public static TraceSpan Durability(string call) => Phase(TraceCategory.Durability, TraceCategory.Durability).Arg("call", call);

    /// <summary>
    /// Opens a span named <paramref name="name"/> on the flow's track, ended when disposed; inside
    /// a step it carries the step's title. A no-op when the flow is not traced.
    /// </summary>
    public static TraceSpan Phase(string name, string category = TraceCategory.Phase) =>
        Ambient.Value is { } context ? new TraceSpan(new OpenSpan(context, name, category, enters: true)) : default;

    /// <summary>
    /// A step: a span on the flow's track (category <see cref="TraceCategory.Step"/>) whose title
    /// every span opened inside it carries as its <c>step</c> argument.
    /// </summary>
    public static TraceSpan Step(string title) =>
        Ambient.Value is { } context ? new TraceSpan(new OpenSpan(context with { Step = title }, title, TraceCategory.Step, enters: true)) : default;

    /// <summary>A new track named <paramref name="name"/> for the calling flow until disposed (a stage: its steps run one after another).</summary>
    public static TraceScope Track(string name) =>
        Ambient.Value is { } context ? TraceScope.Enter(context with { Track = context.Trace.AddTrack(name), Span = null }) : default;

    /// <summary>Adds an argument to the innermost open span of the flow (a step's <c>cached</c>, say); nothing when not traced.</summary>
    public static void Annotate(string name, long value) => Ambient.Value?.Span?.Set(name, value);

    /// <inheritdoc cref="Annotate(string, long)"/>
    public static void Annotate(string name, string value) => Ambient.Value?.Span?.Set(name, value);

    /// <inheritdoc cref="Annotate(string, long)"/>
    public static void Annotate(string name, bool value) => Ambient.Value?.Span?.Set(name, value);

    /// <summary>Microseconds since the trace began.</summary>
    internal double Microseconds(long timestamp) => (timestamp - origin) * 1_000_000.0 / Stopwatch.Frequency;

    internal static void Restore(TraceContext? context) => Ambient.Value = context;

    internal static TraceContext? Swap(TraceContext? context)
    {
        var previous = Ambient.Value;
        Ambient.Value = context;
        return previous;
    }

    internal void Add(TraceEvent traceEvent)
    {
        lock (gate)
        {
            events.Add(traceEvent);
        }
    }

    private int AddTrack(string name)
    {
        lock (gate)
        {
            var id = BuildTrack + tracks.Count;
            tracks.Add((id, name));
            return id;
        }
    }
}

/// <summary>The categories of spans (the <c>cat</c> field), so a viewer can filter them.</summary>
public static class TraceCategory
{
    /// <summary>A step of a stage (RUN, COPY, ENV …) or a stage's FROM.</summary>
    public const string Step = "step";

    /// <summary>Work inside a step or the build: cache lookup, run, pack, blob, snapshot, plan, push …</summary>
    public const string Phase = "phase";

    /// <summary>Waiting for the disk: fsync, syncfs.</summary>
    public const string Durability = "durability";
}

/// <summary>One ended span: its track, start and end (Stopwatch timestamps), the step it belongs to, and its arguments.</summary>
public sealed record TraceEvent(
    string Name, string Category, int Track, long Start, long End, string? Step, IReadOnlyList<KeyValuePair<string, object>> Args);

/// <summary>The ambient state of a traced flow: the trace, the track, the step and the innermost open span.</summary>
internal sealed record TraceContext(BuildTrace Trace, int Track, string? Step, OpenSpan? Span);
