using System.Diagnostics;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Benchmarks;

/// <summary>
/// The overhead of a trivial RUN step: set-up (namespaces, overlay, /proc, /dev, pivot_root,
/// seccomp filter, capability drop), running <c>true</c>, teardown — no layer packing. Median of N runs over
/// the busybox root filesystem. Needs root. For the breakdown it also times two references:
/// starting and reaping /bin/true the way the sandbox starts its init, and the native init
/// alone (runtime start, no request, exit).
///   dotnet run -c Release --project tests/ImageBuilder.Benchmarks -- sandbox [--runs 100]
/// </summary>
internal static class SandboxBenchmark
{
    public static int Run(string[] args)
    {
        var runs = args.Length >= 2 && args[0] == "--runs" ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 100;
        var work = Directory.CreateTempSubdirectory("ibuild-sandbox-bench-").FullName;
        try
        {
            var lower = Directory.CreateDirectory(Path.Combine(work, "lower")).FullName;
            var tarball = Path.Combine(work, "rootfs.tar");
            Exec("bash", Path.Combine(ImageBuilder.TestSupport.RepoPaths.Root, "scripts", "make-busybox-rootfs.sh"), tarball);
            Exec("tar", "-xpf", tarball, "-C", lower);
            // The syscall filter is compiled once per process (the warm-up step would do it): timed here on its own.
            var compile = Stopwatch.StartNew();
            var filter = ImageBuilder.Linux.Seccomp.SeccompProfile.DockerDefault.CompileFor(SandboxInit.DefaultCapabilities);
            Console.WriteLine($"Docker's seccomp profile read and compiled: {compile.Elapsed.TotalMilliseconds:F1} ms, once per process ({filter.InstructionCount} BPF instructions)");
            var sandbox = new Sandbox(SandboxOptions.ForCurrentProgram());
            var times = new List<double>();
            var unfiltered = new List<double>();
            for (var i = 0; i <= runs; i++)
            {
                // Each run is followed by one without the syscall filter, for its share of the cost.
                foreach (var filtered in new[] { true, false })
                {
                    var scratch = Directory.CreateDirectory(Path.Combine(work, $"step{i}")).FullName;
                    var spec = new SandboxSpec([lower], Directory.CreateDirectory(Path.Combine(scratch, "upper")).FullName,
                        Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName, scratch, ["true"], [], "/", null, SandboxNetwork.Host, "bench");
                    var clock = Stopwatch.StartNew();
                    var result = sandbox.RunAsync(filtered ? spec : spec with { SyscallFilter = null }, Stream.Null, Stream.Null, CancellationToken.None).GetAwaiter().GetResult();
                    clock.Stop();
                    if (result.ExitCode != 0)
                    {
                        throw new InvalidOperationException($"true exited with {result.ExitCode}");
                    }

                    if (i > 0)
                    {
                        (filtered ? times : unfiltered).Add(clock.Elapsed.TotalMilliseconds);
                    }

                    Directory.Delete(scratch, recursive: true);
                }
            }

            Report("trivial step (true) over busybox", times, runs);
            Report("the same without the syscall filter, interleaved", unfiltered, runs);

            // Two references for the breakdown: starting a program and reaping it the way the
            // sandbox does (Process, all three streams redirected), and the init alone, which
            // starts its runtime, finds no request on its stdin and exits.
            Report("Process.Start of /bin/true", TimeStarts("/bin/true", runs), runs);
            Report("Process.Start of ibuild-init, no request", TimeStarts(SandboxOptions.ForCurrentProgram().InitPath, runs), runs);
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static List<double> TimeStarts(string program, int runs)
    {
        var times = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            start.Environment.Clear();
            var clock = Stopwatch.StartNew();
            using var process = Process.Start(start)!;
            process.StandardInput.Close();
            var error = process.StandardError.BaseStream.CopyToAsync(Stream.Null);
            process.StandardOutput.BaseStream.CopyTo(Stream.Null);
            error.GetAwaiter().GetResult();
            process.WaitForExit();
            clock.Stop();
            if (i > 0)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        return times;
    }

    private static void Report(string what, List<double> times, int runs)
    {
        times.Sort();
        Console.WriteLine($"{what}: median {times[times.Count / 2]:F1} ms, " +
            $"p10 {times[times.Count / 10]:F1} ms, p90 {times[times.Count * 9 / 10]:F1} ms ({runs} runs after one warm-up)");
    }

    private static void Exec(string program, params string[] args)
    {
        using var process = Process.Start(program, args);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} failed with {process.ExitCode}");
        }
    }
}
