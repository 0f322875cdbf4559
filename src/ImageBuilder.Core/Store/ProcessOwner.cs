using System.Globalization;

namespace ImageBuilder.Core.Store;

/// <summary>
/// Files and cgroups whose names carry the id of the ibuild process that made them (a cgroup
/// <c>ibuild-PID-…</c>, an archive being saved <c>FILE.ibuild-PID.tmp</c>) are leftovers once
/// that process is gone. The one check for it.
/// </summary>
public static class ProcessOwner
{
    /// <summary>Whether the process <paramref name="pid"/> runs (in this PID namespace: <c>/proc/PID</c> exists).
    /// A pid reused by another program counts as running: a leftover is then kept, never the other way round.</summary>
    public static bool IsRunning(int pid) => pid > 0 && Directory.Exists("/proc/" + pid.ToString(CultureInfo.InvariantCulture));

    /// <summary>The pid written as decimal digits in <paramref name="text"/>, or null.</summary>
    public static int? ParsePid(ReadOnlySpan<char> text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
}
