using System.Diagnostics;
using System.Globalization;
using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Linux.Layers;

namespace ImageBuilder.Benchmarks;

/// <summary>
/// Layer packing against the shell pipeline it replaces. Not a test: it prints figures for
/// docs/BENCHMARKS.md.
///   dotnet run -c Release --project tests/ImageBuilder.Benchmarks -- pack [--big-mb 200] [--files 20000] [--runs 3] [--memory-mb 1024]
/// It builds a tree under /tmp (one random file of --big-mb MB plus --files small text files),
/// then times, in the same run: `tar -cf - . | gzip -6`, LayerPacker with gzip, zstd and no
/// compression (all writing to /dev/null), and finally the peak resident memory (VmHWM) of
/// packing a tree holding one file of --memory-mb MB.
/// </summary>
internal static class PackBenchmark
{
    public static int Run(string[] args)
    {
        var bigMegabytes = Option(args, "--big-mb", 200);
        var files = Option(args, "--files", 20_000);
        var runs = Option(args, "--runs", 3);
        var memoryMegabytes = Option(args, "--memory-mb", 1024);

        // Memory first, while the process is fresh: VmHWM is then the peak of packing alone.
        var memoryTree = Path.Combine(Path.GetTempPath(), $"ibuild-pack-bench-memory-{memoryMegabytes}");
        GenerateTree(memoryTree, memoryMegabytes, files: 0);
        foreach (var compression in new[] { LayerCompression.Gzip, LayerCompression.Zstd, LayerCompression.None })
        {
            GC.Collect();
            var before = Status("VmRSS");
            File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
            var watch = Stopwatch.StartNew();
            Pack(memoryTree, compression);
            Console.WriteLine(
                $"{memoryMegabytes} MB layer, {compression}: {watch.Elapsed.TotalSeconds:F2} s, " +
                $"VmHWM {Status("VmHWM") / 1024} MiB (VmRSS before {before / 1024} MiB)");
        }

        var tree = Path.Combine(Path.GetTempPath(), $"ibuild-pack-bench-{bigMegabytes}-{files}");
        GenerateTree(tree, bigMegabytes, files);
        var tarBytes = TarSize(tree);
        Console.WriteLine($"tree: {tree} ({bigMegabytes} MB random file + {files:N0} text files; tar stream {tarBytes / 1e6:F1} MB); {Environment.ProcessorCount} cores, .NET {Environment.Version}");

        var contenders = new List<(string Name, Action Run)>
        {
            ("tar -cf - . | gzip -6", () => Shell(tree, "tar -cf - . | gzip -6 > /dev/null")),
            ("ibuild LayerPacker gzip (level 6)", () => Pack(tree, LayerCompression.Gzip)),
            ("ibuild LayerPacker zstd (level 3)", () => Pack(tree, LayerCompression.Zstd)),
            ("ibuild LayerPacker uncompressed", () => Pack(tree, LayerCompression.None)),
        };
        if (File.Exists("/usr/bin/zstd"))
        {
            contenders.Add(("tar -cf - . | zstd -3 -T0 (reference)", () => Shell(tree, "tar -cf - . | zstd -q -3 -T0 > /dev/null")));
        }

        var results = Measure(contenders, runs, tarBytes);
        var shell = results[0];
        Console.WriteLine(
            $"gzip: {shell.Median / results[1].Median:F2}x faster than tar | gzip -6 (median; {shell.Min / results[1].Min:F2}x by best run); " +
            $"zstd: {shell.Median / results[2].Median:F2}x (median; {shell.Min / results[2].Min:F2}x by best run)");
        return 0;
    }

    private static void Pack(string tree, LayerCompression compression) =>
        new LayerPacker(new FileTreeReader())
            .PackAsync(tree, Stream.Null, new LayerPackOptions(compression), CancellationToken.None)
            .GetAwaiter().GetResult();

    // Each contender runs once untimed (page cache, JIT), then the timed runs go round-robin,
    // so that a busy spell of a shared machine hits all of them alike.
    private static List<(double Median, double Min)> Measure(List<(string Name, Action Run)> contenders, int runs, long tarBytes)
    {
        foreach (var (_, run) in contenders)
        {
            run();
        }

        var times = contenders.Select(_ => new List<double>()).ToList();
        var cpu = new TimeSpan[contenders.Count];
        for (var i = 0; i < runs; i++)
        {
            for (var c = 0; c < contenders.Count; c++)
            {
                GC.Collect();
                var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
                var watch = Stopwatch.StartNew();
                contenders[c].Run();
                times[c].Add(watch.Elapsed.TotalSeconds);
                cpu[c] += Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
            }
        }

        var results = new List<(double Median, double Min)>();
        for (var c = 0; c < contenders.Count; c++)
        {
            times[c].Sort();
            var (median, min) = (times[c][runs / 2], times[c][0]);
            results.Add((median, min));
            // Shell pipelines spend their CPU in child processes, which this process does not count.
            var cores = cpu[c].TotalSeconds / times[c].Sum();
            Console.WriteLine(
                $"{contenders[c].Name}: median {median:F2} s, best {min:F2} s ({runs} runs), {tarBytes / 1e6 / median:F0} MB/s of tar" +
                (contenders[c].Name.StartsWith("ibuild", StringComparison.Ordinal) ? $", {cores:F2} cores busy" : ""));
        }

        return results;
    }

    private static void Shell(string directory, string command)
    {
        var start = new ProcessStartInfo("/bin/bash") { WorkingDirectory = directory };
        start.ArgumentList.Add("-o");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} exited {process.ExitCode}");
        }
    }

    private static long TarSize(string tree)
    {
        var layer = new LayerPacker(new FileTreeReader())
            .PackAsync(tree, Stream.Null, new LayerPackOptions(LayerCompression.None), CancellationToken.None)
            .GetAwaiter().GetResult();
        return layer.Size;
    }

    // Built once per shape and kept: a random file (incompressible, seeded) and text files of
    // 256 B to 4 KiB made of common words, 200 to a directory.
    private static void GenerateTree(string tree, int bigMegabytes, int files)
    {
        var done = Path.Combine(tree + ".done");
        if (File.Exists(done))
        {
            return;
        }

        if (Directory.Exists(tree))
        {
            Directory.Delete(tree, recursive: true);
        }

        Directory.CreateDirectory(tree);
        var random = new Random(42);
        using (var big = File.Create(Path.Combine(tree, "big.bin")))
        {
            var buffer = new byte[1 << 20];
            for (var i = 0; i < bigMegabytes; i++)
            {
                random.NextBytes(buffer);
                big.Write(buffer);
            }
        }

        string[] words = ["the", "layer", "image", "build", "container", "file", "system", "of", "and", "to", "a", "in",
            "is", "for", "with", "package", "config", "version", "module", "return", "value", "error", "data", "=", "{", "}", "\n"];
        var text = new StringBuilder();
        for (var i = 0; i < files; i++)
        {
            var directory = Path.Combine(tree, "src", $"d{i / 200:D3}");
            if (i % 200 == 0)
            {
                Directory.CreateDirectory(directory);
            }

            text.Clear();
            var length = random.Next(256, 4097);
            while (text.Length < length)
            {
                text.Append(words[random.Next(words.Length)]).Append(' ');
            }

            File.WriteAllText(Path.Combine(directory, $"f{i:D5}.txt"), text.ToString(0, length));
        }

        File.WriteAllText(done, "");
    }

    private static long Status(string field)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
