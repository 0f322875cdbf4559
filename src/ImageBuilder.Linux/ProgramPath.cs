namespace ImageBuilder.Linux;

/// <summary>Finds the helper programs ibuild runs (unshare, newuidmap, slirp4netns) as execvp would: on PATH.</summary>
public static class ProgramPath
{
    /// <summary>The first <paramref name="name"/> on PATH, or null when there is none.</summary>
    public static string? Find(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
