using System.Diagnostics;
using Xunit;

namespace ImageBuilder.TestSupport;

/// <summary>Runs a command-line tool of the base system (GNU tar, gzip) and fails the test when it fails.</summary>
public static class ExternalTool
{
    /// <summary>The tool's standard output; it runs with LC_ALL=C.UTF-8 and TZ=UTC.</summary>
    public static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["LC_ALL"] = "C.UTF-8";
        start.Environment["TZ"] = "UTC";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        return stdout;
    }
}
