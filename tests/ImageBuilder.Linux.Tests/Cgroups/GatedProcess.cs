using System.Diagnostics;

namespace ImageBuilder.Linux.Tests.Cgroups;

/// <summary>
/// A /bin/sh that waits on stdin before running its script, so a test can move it into a
/// cgroup first: nothing of the script runs outside the scope.
/// </summary>
internal sealed class GatedProcess : IDisposable
{
    private readonly Process process;
    private readonly Task<string> stderr;

    public GatedProcess(string script)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("read gate; " + script);
        process = Process.Start(start)!;
        stderr = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
    }

    public int Pid => process.Id;

    public void Release()
    {
        process.StandardInput.WriteLine("go");
        process.StandardInput.Flush();
    }

    /// <summary>The exit code (128 + signal when killed by one) and stderr.</summary>
    public (int ExitCode, string Stderr) WaitForExit(TimeSpan timeout)
    {
        Assert.True(process.WaitForExit(timeout), $"sh {Pid} did not exit within {timeout}");
        process.WaitForExit();
        return (process.ExitCode, stderr.Result);
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        process.Dispose();
    }

    /// <summary>True while <paramref name="pid"/> exists and is not a zombie.</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X' or 'x');
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
