using System.Globalization;

namespace ImageBuilder.Linux.Rootless;

/// <summary>One line of a user namespace's id map: ids <see cref="Inside"/>… are <see cref="Outside"/>… on the host.</summary>
public readonly record struct IdRange(long Inside, long Outside, long Count)
{
    public bool Contains(long id) => id >= Inside && id - Inside < Count;
}

/// <summary>
/// A process's uid or gid map (<c>/proc/self/uid_map</c>, <c>gid_map</c>): which ids exist in its
/// user namespace and what they are on the host. The initial namespace maps every id to itself.
/// </summary>
public sealed record IdMap(IReadOnlyList<IdRange> Ranges)
{
    private const long AllIds = 4294967295;

    /// <summary>The initial user namespace's map: every id is itself.</summary>
    public static IdMap Identity { get; } = new([new IdRange(0, 0, AllIds)]);

    public bool IsIdentity => Ranges is [{ Inside: 0, Outside: 0, Count: AllIds }];

    /// <summary>How many ids exist: 1 when only the user is mapped (as root).</summary>
    public long Size => Ranges.Sum(r => r.Count);

    public bool Contains(long id) => Ranges.Any(r => r.Contains(id));

    /// <summary>The id that host id <paramref name="outside"/> is in this namespace, or null when it maps no id there.</summary>
    public long? InsideOf(long outside)
    {
        foreach (var range in Ranges)
        {
            if (outside >= range.Outside && outside - range.Outside < range.Count)
            {
                return range.Inside + (outside - range.Outside);
            }
        }

        return null;
    }

    public static IdMap ForUsers() => Parse(File.ReadAllText("/proc/self/uid_map"));

    public static IdMap ForGroups() => Parse(File.ReadAllText("/proc/self/gid_map"));

    /// <summary>Reads the kernel's format: "inside outside count" a line, blank-separated.</summary>
    public static IdMap Parse(string text)
    {
        var ranges = new List<IdRange>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 3
                && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var inside)
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var outside)
                && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count))
            {
                ranges.Add(new IdRange(inside, outside, count));
            }
        }

        return new IdMap(ranges);
    }

    /// <summary>"0→1000 (1), 1→100000 (65536)": what <c>ibuild info</c> shows.</summary>
    public override string ToString() =>
        IsIdentity ? "identity (the host's ids)" : string.Join(", ", Ranges.Select(r => $"{r.Inside}→{r.Outside} ({r.Count})"));
}
