namespace ImageBuilder.Core.Tracing;

/// <summary>
/// Lays a trace's spans out on rows (thread ids) so that the spans of each row nest: a span goes
/// on its track's first row where it fits inside the innermost span still open there (or where
/// nothing is open), else on a further row of the same track. Sequential work stays on the
/// track's own row; only spans that overlap without nesting move.
/// </summary>
internal sealed class TraceLanes
{
    /// <summary>Rows a track may have (its sort indexes are track × this + row).</summary>
    public const int PerTrack = 1000;

    private TraceLanes(List<(TraceEvent Span, int Row)> rows, Dictionary<(int Track, int Lane), int> extraRows)
    {
        Rows = rows;
        ExtraRows = extraRows;
    }

    /// <summary>Every span with the row (thread id) it goes on, by start time, outer spans first.</summary>
    public IReadOnlyList<(TraceEvent Span, int Row)> Rows { get; }

    /// <summary>The rows beyond a track's own, by (track, lane ≥ 1).</summary>
    public IReadOnlyDictionary<(int Track, int Lane), int> ExtraRows { get; }

    /// <summary>Assigns rows; a track's own row is its id, further rows are numbered from <paramref name="firstExtraRow"/> on.</summary>
    public static TraceLanes Assign(IReadOnlyList<TraceEvent> spans, int firstExtraRow)
    {
        var open = new Dictionary<int, List<Stack<long>>>();
        var extra = new Dictionary<(int Track, int Lane), int>();
        var rows = new List<(TraceEvent, int)>(spans.Count);
        foreach (var span in spans.OrderBy(e => e.Start).ThenByDescending(e => e.End))
        {
            if (!open.TryGetValue(span.Track, out var lanes))
            {
                open[span.Track] = lanes = [];
            }

            var lane = 0;
            for (; lane < lanes.Count; lane++)
            {
                var ends = lanes[lane];
                while (ends.Count > 0 && ends.Peek() <= span.Start)
                {
                    ends.Pop();
                }

                if (ends.Count == 0 || ends.Peek() >= span.End)
                {
                    break;
                }
            }

            if (lane == lanes.Count)
            {
                lanes.Add(new Stack<long>());
            }

            lanes[lane].Push(span.End);
            var row = lane == 0 ? span.Track : extra.TryGetValue((span.Track, lane), out var id) ? id : extra[(span.Track, lane)] = firstExtraRow + extra.Count;
            rows.Add((span, row));
        }

        return new TraceLanes(rows, extra);
    }
}
