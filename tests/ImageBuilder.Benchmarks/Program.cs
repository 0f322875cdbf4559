using System.Diagnostics;
using System.Text;
using ImageBuilder.Dockerfile;

// Micro-benchmarks of the front end. Not a test: it prints timings for docs/BENCHMARKS.md.
//   dotnet run -c Release --project tests/ImageBuilder.Benchmarks -- parse [REPO_ROOT]
var root = args.Length > 1 ? args[1] : ImageBuilder.TestSupport.RepoPaths.Root;
switch (args.FirstOrDefault())
{
    case "parse":
        ParseBenchmark(root);
        return 0;
    case "pack":
        return ImageBuilder.Benchmarks.PackBenchmark.Run(args[1..]);
    case "sandbox":
        return ImageBuilder.Benchmarks.SandboxBenchmark.Run(args[1..]);
    default:
        Console.Error.WriteLine("usage: ImageBuilder.Benchmarks parse [REPO_ROOT] | pack [--big-mb N] [--files N] [--runs N] [--memory-mb N] | sandbox [--runs N]");
        return 2;
}

static void ParseBenchmark(string root)
{
    var files = Directory.GetFiles(Path.Combine(root, "testdata", "conformance", "realworld-dockerfiles", "files"))
        .Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList();
    var realWorldBytes = files.Sum(f => Encoding.UTF8.GetByteCount(f));
    Measure($"check all {files.Count} real-world Dockerfiles ({realWorldBytes / 1024} KiB)", 20, () =>
    {
        foreach (var text in files)
        {
            DockerfileParser.Parse(text);
        }
    });

    foreach (var megabytes in new[] { 1, 10 })
    {
        var generated = Generate(megabytes * 1024 * 1024, files);
        Measure($"check a generated {megabytes} MiB Dockerfile ({generated.Count(c => c == '\n')} lines)", 5,
            () => DockerfileParser.Parse(generated));
    }
}

// Real-world files concatenated (each keeps its FROMs, so stages stay valid) until the size is reached.
static string Generate(int bytes, IReadOnlyList<string> files)
{
    var sb = new StringBuilder(bytes + 64 * 1024);
    sb.Append("# syntax=docker/dockerfile:1\n");
    var linuxFiles = files.Where(f => !f.Contains("# escape=`", StringComparison.Ordinal)).ToList();
    for (var i = 0; sb.Length < bytes; i++)
    {
        var text = linuxFiles[i % linuxFiles.Count];
        // Drop each file's own directive lines (directives are only valid at the top) and
        // give every copy's stages their own names (a name may be used once per file).
        foreach (var line in text.Split('\n').SkipWhile(l => l.StartsWith("# syntax", StringComparison.OrdinalIgnoreCase)))
        {
            var renamed = line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)
                ? System.Text.RegularExpressions.Regex.Replace(line, @"(?i)(\sAS\s+)(\S+)\s*$", $"$1$2-{i}")
                : line;
            sb.Append(renamed).Append('\n');
        }
    }

    return sb.ToString();
}

static void Measure(string name, int runs, Action action)
{
    action();
    var times = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        GC.Collect();
        var sw = Stopwatch.StartNew();
        action();
        times.Add(sw.Elapsed.TotalMilliseconds);
    }

    times.Sort();
    Console.WriteLine($"{name}: median {times[times.Count / 2]:F1} ms, min {times[0]:F1} ms ({runs} runs)");
}
