using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;

namespace ImageBuilder.Core.Tracing;

/// <summary>
/// Writes a <see cref="BuildTrace"/> as Chrome trace-event JSON (the "JSON Object Format" of the
/// Trace Event Format, which Perfetto and chrome://tracing open): one complete event
/// (<c>"ph":"X"</c>, <c>ts</c> and <c>dur</c> in microseconds) per span, in process 1, its track
/// as the thread id; metadata events (<c>"ph":"M"</c>) name the process and each track and keep
/// the tracks in order. A span's arguments, and its step's title as <c>step</c>, are its <c>args</c>.
/// Viewers nest the spans of a thread by time and expect them to nest properly; spans of one track
/// that overlap without nesting (blobs pulled four at a time) go to further rows of that track
/// (<see cref="TraceLanes"/>), so the file is well-formed whatever ran in parallel.
/// </summary>
public static class TraceEventWriter
{
    private const int ProcessId = 1;

    /// <summary>Writes <paramref name="trace"/> to <paramref name="output"/> (left open).</summary>
    public static void Write(BuildTrace trace, Stream output)
    {
        ArgumentNullException.ThrowIfNull(trace);
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("displayTimeUnit", "ms");
        json.WriteStartObject("otherData");
        json.WriteString("producer", "ibuild build --trace");
        json.WriteString("clock", "microseconds since the build service started");
        json.WriteEndObject();
        json.WriteStartArray("traceEvents");
        Metadata(json, "process_name", BuildTrace.BuildTrack, "name", "ibuild build");
        var tracks = trace.Tracks.ToDictionary(t => t.Id, t => t.Name);
        var lanes = TraceLanes.Assign(trace.Events, tracks.Keys.Max() + 1);
        foreach (var (id, name) in trace.Tracks)
        {
            Metadata(json, "thread_name", id, "name", name);
            Metadata(json, "thread_sort_index", id, "sort_index", id * TraceLanes.PerTrack);
        }

        foreach (var ((track, lane), id) in lanes.ExtraRows)
        {
            var name = tracks[track] + " (" + (lane + 1).ToString(CultureInfo.InvariantCulture) + ")";
            Metadata(json, "thread_name", id, "name", name);
            Metadata(json, "thread_sort_index", id, "sort_index", (track * TraceLanes.PerTrack) + lane);
        }

        foreach (var (span, row) in lanes.Rows)
        {
            json.WriteStartObject();
            json.WriteString("name", span.Name);
            json.WriteString("cat", span.Category);
            json.WriteString("ph", "X");
            json.WriteNumber("ts", Math.Round(trace.Microseconds(span.Start), 3));
            json.WriteNumber("dur", Math.Round((span.End - span.Start) * 1_000_000.0 / Stopwatch.Frequency, 3));
            json.WriteNumber("pid", ProcessId);
            json.WriteNumber("tid", row);
            json.WriteStartObject("args");
            if (span.Step is { } step && span.Category != TraceCategory.Step)
            {
                json.WriteString("step", step);
            }

            foreach (var (key, value) in span.Args)
            {
                WriteValue(json, key, value);
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>
    /// Writes the trace to <paramref name="path"/> as a whole: into a new file of an unpredictable
    /// name beside it (<c>PATH.ibuild-PID-RANDOM.tmp</c>, never one that exists: root's ibuild must
    /// not follow a link planted there), then renamed over it, so a reader never sees half a trace.
    /// </summary>
    public static void WriteFile(BuildTrace trace, string path)
    {
        var full = Path.GetFullPath(path);
        var temporary = $"{full}.ibuild-{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp";
        var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        try
        {
            using (file)
            {
                Write(trace, file);
            }

            File.Move(temporary, full, overwrite: true);
        }
        catch
        {
            try
            {
                File.Delete(temporary);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The write's own failure is the one to report.
            }

            throw;
        }
    }

    private static void Metadata(Utf8JsonWriter json, string name, int track, string key, object value)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("ph", "M");
        json.WriteNumber("pid", ProcessId);
        json.WriteNumber("tid", track);
        json.WriteStartObject("args");
        WriteValue(json, key, value);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, string key, object value)
    {
        switch (value)
        {
            case long number:
                json.WriteNumber(key, number);
                break;
            case int number:
                json.WriteNumber(key, number);
                break;
            case double number:
                json.WriteNumber(key, number);
                break;
            case bool flag:
                json.WriteBoolean(key, flag);
                break;
            default:
                json.WriteString(key, Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }
}
