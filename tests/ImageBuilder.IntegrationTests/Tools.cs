using System.Diagnostics;
using System.Text;
using ImageBuilder.Cli;

namespace ImageBuilder.IntegrationTests;

/// <summary>Runs ibuild (in process) and real tools (skopeo, umoci, podman, tar) for the tests.</summary>
internal static class Tools
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public Result Ok()
        {
            Assert.True(ExitCode == 0, $"exit code {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}");
            return this;
        }
    }

    /// <summary>Runs an ibuild command line in this process, as the ibuild binary would.</summary>
    public static async Task<Result> Ibuild(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CommandLineApp.RunAsync(args, TextReader.Null, stdout, stderr, CancellationToken.None);
        return new Result(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs a program and waits for it.</summary>
    public static Task<Result> Run(string program, params string[] args) => Run(program, args, new Dictionary<string, string>());

    /// <summary>Runs a program with extra environment variables and waits for it.</summary>
    public static async Task<Result> Run(string program, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start {program}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>The ibuild binary next to the tests (for tests that must kill a separate process).</summary>
    public static ProcessStartInfo IbuildProcess(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ibuild.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }

    /// <summary>Processes whose command line is exactly <paramref name="commandLine"/>.</summary>
    public static List<int> ProcessesRunning(string commandLine) => ProcessesWhere(cmdline => cmdline == commandLine);

    /// <summary>Live (not zombie) processes whose command line (arguments joined by spaces) passes <paramref name="match"/>.</summary>
    public static List<int> ProcessesWhere(Func<string, bool> match)
    {
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid))
            {
                continue;
            }

            try
            {
                var cmdline = File.ReadAllText(Path.Combine(entry, "cmdline")).TrimEnd('\0').Replace('\0', ' ');
                var state = File.ReadAllLines(Path.Combine(entry, "status")).FirstOrDefault(l => l.StartsWith("State:", StringComparison.Ordinal)) ?? "";
                if (match(cmdline) && !state.Contains("zombie", StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        return found;
    }
}
