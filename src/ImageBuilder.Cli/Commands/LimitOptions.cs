using ImageBuilder.Linux.Cgroups;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>--memory</c>, <c>--pids-limit</c> and <c>--cpus</c>, as run and build take them: null when none is given.</summary>
internal static class LimitOptions
{
    public static ResourceLimits? Read(ArgumentReader reader, string command)
    {
        try
        {
            var memory = reader.Get("--memory") is { } m ? ResourceLimits.ParseMemory(m) : (long?)null;
            var pids = reader.Get("--pids-limit") is { } p
                ? int.TryParse(p, out var n) && n > 0 ? n : throw new FormatException($"--pids-limit takes a positive number, not {p}")
                : (int?)null;
            var cpus = reader.Get("--cpus") is { } c ? ResourceLimits.ParseCpus(c) : (double?)null;
            return memory is null && pids is null && cpus is null ? null : new ResourceLimits(memory, pids, cpus);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            throw new UsageException($"{command}: {e.Message}");
        }
    }
}
