using System.Globalization;

namespace ImageBuilder.Linux.Cgroups;

/// <summary>
/// Plain file I/O on cgroupfs. Every control file is read and written whole; a write is one
/// write(2) of the value, which is what the kernel parses.
/// </summary>
internal static class CgroupFile
{
    public static void Write(string directory, string file, string value)
    {
        var path = Path.Combine(directory, file);
        try
        {
            // cgroupfs files must not be truncated or created: open for writing only.
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
            var bytes = System.Text.Encoding.ASCII.GetBytes(value);
            stream.Write(bytes, 0, bytes.Length);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"writing '{value}' to {path} failed: {error.Message}", error);
        }
    }

    public static void Write(string directory, string file, long value) =>
        Write(directory, file, value.ToString(CultureInfo.InvariantCulture));

    public static bool Exists(string directory, string file) => File.Exists(Path.Combine(directory, file));

    public static bool IsWritable(string directory, string file) => Native.Syscalls.CanWrite(Path.Combine(directory, file));

    /// <summary>The file's text, or null when it does not exist (a controller not enabled, a cgroup removed).</summary>
    public static string? TryRead(string directory, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, file));
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The value of <paramref name="key"/> in a flat-keyed file ("key value" per line).</summary>
    public static long? ReadKeyed(string directory, string file, string key)
    {
        foreach (var line in (TryRead(directory, file) ?? string.Empty).Split('\n'))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && parts[0] == key && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var value))
            {
                return value;
            }
        }

        return null;
    }

    public static long? ReadNumber(string directory, string file) =>
        long.TryParse(TryRead(directory, file)?.Trim(), CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>The pids in the cgroup (empty when the cgroup is gone).</summary>
    public static List<int> ReadProcesses(string directory)
    {
        var pids = new List<int>();
        foreach (var line in (TryRead(directory, "cgroup.procs") ?? string.Empty).Split('\n'))
        {
            if (int.TryParse(line, CultureInfo.InvariantCulture, out var pid))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>
    /// mkdir that refuses an existing directory: two steps must never share a cgroup, and a
    /// leftover of the same name would carry old counters (oom_kill) into the new step.
    /// </summary>
    public static void CreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            throw new CgroupException($"cgroup {path} already exists (another step of the same name, or a leftover RemoveStale could not remove)");
        }

        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            throw new CgroupException($"creating cgroup {path} failed: {error.Message}", error);
        }
    }

    /// <summary>
    /// rmdir, retried for a while: the kernel refuses (EBUSY) until the last task has fully
    /// exited, which lags the SIGKILL a little. Returns false if it is still there at the deadline.
    /// </summary>
    public static bool RemoveDirectory(string path, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (true)
        {
            try
            {
                Directory.Delete(path, recursive: false);
                return true;
            }
            catch (DirectoryNotFoundException)
            {
                return true;
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
            catch (IOException)
            {
                return false;
            }
        }
    }
}
