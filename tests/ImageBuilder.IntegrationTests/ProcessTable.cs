using System.Globalization;

namespace ImageBuilder.IntegrationTests;

/// <summary>One live process, as /proc shows it.</summary>
/// <param name="Uid">The real uid on the host (the first field of status' Uid line).</param>
/// <param name="CommandLine">argv joined with blanks.</param>
internal sealed record ProcessEntry(int Pid, int ParentPid, uint Uid, string CommandLine);

/// <summary>What runs on the machine and what it has mounted, read from /proc (zombies are not processes here).</summary>
internal static class ProcessTable
{
    /// <summary>Every process that is not a zombie.</summary>
    public static List<ProcessEntry> All()
    {
        var found = new List<ProcessEntry>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(entry, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
                var status = File.ReadAllLines(Path.Combine(entry, "status"));
                string Field(string name) => status.FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.Ordinal))?[(name.Length + 1)..].Trim() ?? "";
                if (!Field("State").Contains("zombie", StringComparison.Ordinal))
                {
                    found.Add(new ProcessEntry(
                        pid, int.Parse(Field("PPid"), CultureInfo.InvariantCulture),
                        uint.Parse(Field("Uid").Split('\t', ' ')[0], CultureInfo.InvariantCulture), cmdline));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    /// <summary>The processes whose parent is <paramref name="pid"/>.</summary>
    public static List<ProcessEntry> ChildrenOf(int pid) => [.. All().Where(p => p.ParentPid == pid)];

    /// <summary>
    /// The mountinfo lines, of any process's mount namespace, that mention <paramref name="path"/>:
    /// a rootless ibuild mounts in a namespace of its own, which only its processes show.
    /// </summary>
    public static List<string> MountsUnder(string path)
    {
        var found = new List<string>();
        foreach (var file in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)).Select(d => Path.Combine(d, "mountinfo")))
        {
            try
            {
                found.AddRange(File.ReadLines(file).Where(line => line.Contains(path, StringComparison.Ordinal)).Select(line => $"{file}: {line}"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }

    /// <summary>Polls until the condition holds or a minute has passed (the assertions after it say which).</summary>
    public static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }
    }
}
