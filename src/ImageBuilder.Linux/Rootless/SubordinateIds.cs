using System.Globalization;

namespace ImageBuilder.Linux.Rootless;

/// <summary>A block of host ids delegated to a user (a line of /etc/subuid or /etc/subgid).</summary>
public readonly record struct SubordinateRange(long Start, long Count);

/// <summary>
/// /etc/subuid and /etc/subgid (subuid(5)): lines <c>USER:START:COUNT</c>, where USER is a login
/// name or a numeric uid. useradd gives every new user 65,536 ids; newuidmap and newgidmap map
/// only what these files delegate.
/// </summary>
public static class SubordinateIds
{
    public const string UsersFile = "/etc/subuid";
    public const string GroupsFile = "/etc/subgid";

    /// <summary>What root runs to give <paramref name="userName"/> the 65,536 ids useradd gives (the range is an example: any no other user has).</summary>
    public static string FixCommand(string userName) =>
        $"usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {userName} (as root; any range no other user has in {UsersFile} and {GroupsFile})";

    /// <summary>The ranges delegated to <paramref name="userName"/> or <paramref name="uid"/>, in file order.</summary>
    public static IReadOnlyList<SubordinateRange> Find(string text, string userName, uint uid)
    {
        var ranges = new List<SubordinateRange>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var fields = line.Split(':');
            if (fields.Length == 3
                && !line.StartsWith('#')
                && (fields[0] == userName || fields[0] == uid.ToString(CultureInfo.InvariantCulture))
                && long.TryParse(fields[1], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                && long.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                && count > 0)
            {
                ranges.Add(new SubordinateRange(start, count));
            }
        }

        return ranges;
    }

    /// <summary>The ranges in <paramref name="path"/>, none when the file is missing or unreadable.</summary>
    public static IReadOnlyList<SubordinateRange> Read(string path, string userName, uint uid)
    {
        return SystemFile.ReadOrNull(path) is { } text ? Find(text, userName, uid) : [];
    }
}
