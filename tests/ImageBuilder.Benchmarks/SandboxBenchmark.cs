using System.Diagnostics;
using ImageBuilder.Linux.Network;
using ImageBuilder.Linux.Sandbox;

namespace ImageBuilder.Benchmarks;

/// <summary>
/// The overhead of a trivial RUN step: set-up (namespaces, overlay, /proc, /dev, pivot_root,
/// seccomp filter, capability drop), running <c>true</c>, teardown — no layer packing. Median of N runs over
/// the busybox root filesystem, on each network (host, none, the build's private one), and what
/// starting and stopping the private network costs once per build. Needs root. For the breakdown it also times two references:
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
            var network = PrivateNetwork.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            // Each round runs every variant once, interleaved: the filter's share of the cost (without it),
            // and the networks (the host's, none, and the build's private one, which the step joins).
            var variants = new (string Name, Func<SandboxSpec, SandboxSpec> Shape)[]
            {
                ("trivial step (true) over busybox, host network", spec => spec),
                ("the same without the syscall filter", spec => spec with { SyscallFilter = null }),
                ("the same with --network none (a new namespace with lo)", spec => spec with { Network = SandboxNetwork.None }),
                ("the same on the build's private network (setns into it)", spec => spec with { Network = SandboxNetwork.Join(network) }),
            };
            var times = variants.Select(_ => new List<double>()).ToList();
            try
            {
                for (var i = 0; i <= runs; i++)
                {
                    for (var v = 0; v < variants.Length; v++)
                    {
                        var elapsed = TimeStep(sandbox, variants[v].Shape, lower, work, i);
                        if (i > 0)
                        {
                            times[v].Add(elapsed);
                        }
                    }
                }
            }
            finally
            {
                network.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }

            for (var v = 0; v < variants.Length; v++)
            {
                Report(variants[v].Name, times[v], runs);
            }

            TimeNetworkStarts(Math.Min(runs, 30));

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

    /// <summary>One step of <c>true</c> in a fresh scratch dir, shaped by <paramref name="shape"/>; its wall time in ms.</summary>
    private static double TimeStep(Sandbox sandbox, Func<SandboxSpec, SandboxSpec> shape, string lower, string work, int round)
    {
        var scratch = Directory.CreateDirectory(Path.Combine(work, $"step{round}")).FullName;
        var spec = shape(new SandboxSpec([lower], Directory.CreateDirectory(Path.Combine(scratch, "upper")).FullName,
            Directory.CreateDirectory(Path.Combine(scratch, "work")).FullName, scratch, ["true"], [], "/", null, SandboxNetwork.Host, "bench"));
        var clock = Stopwatch.StartNew();
        var result = sandbox.RunAsync(spec, Stream.Null, Stream.Null, CancellationToken.None).GetAwaiter().GetResult();
        clock.Stop();
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"true exited with {result.ExitCode}");
        }

        Directory.Delete(scratch, recursive: true);
        return clock.Elapsed.TotalMilliseconds;
    }

    /// <summary>What a build pays once, at its first RUN on the default network: the namespace and slirp4netns up, and stopping them at the end.</summary>
    private static void TimeNetworkStarts(int runs)
    {
        var starts = new List<double>();
        var stops = new List<double>();
        for (var i = 0; i <= runs; i++)
        {
            var clock = Stopwatch.StartNew();
            var network = PrivateNetwork.StartAsync(CancellationToken.None).GetAwaiter().GetResult();
            var started = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            network.DisposeAsync().AsTask().GetAwaiter().GetResult();
            if (i > 0)
            {
                starts.Add(started);
                stops.Add(clock.Elapsed.TotalMilliseconds);
            }
        }

        Report("private network started (namespace, slirp4netns configured)", starts, runs);
        Report("private network stopped (exit pipe closed, slirp4netns reaped)", stops, runs);
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
