using System.Collections.Concurrent;
using ImageBuilder.Build.Engine;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Build.Tests.Engine.Fakes;

/// <summary>
/// A RUN runner that runs nothing: it records each request and does what the test told it for
/// the command (the last argv element): write files into the upper dir, print, exit with a code,
/// fail to start, or block until released or canceled. It counts how many run at once.
/// </summary>
internal sealed class FakeStepRunner : IStepRunner
{
    private readonly ConcurrentDictionary<string, FakeCommand> commands = new();
    private int running;
    private int mostAtOnce;

    /// <summary>Every request, in the order the runs started.</summary>
    public ConcurrentQueue<StepProcess> Runs { get; } = new();

    /// <summary>The commands (last argv element) of <see cref="Runs"/>.</summary>
    public IReadOnlyList<string> Commands => Runs.Select(r => r.Argv[^1]).ToList();

    /// <summary>What the engine said was coming (<see cref="IStepRunner.Anticipate"/>), in order, and how many runs had started then.</summary>
    public ConcurrentQueue<(NetworkMode Network, int RunsBefore)> Anticipated { get; } = new();

    public void Anticipate(NetworkMode network) => Anticipated.Enqueue((network, Runs.Count));

    /// <summary>Platforms whose steps this runner cannot run (a machine without their emulator); asked, in order.</summary>
    public HashSet<string> Unrunnable { get; } = [];

    public List<string> AskedPlatforms { get; } = [];

    public (string Reason, string Hint)? WhyCannotRun(Platform platform)
    {
        AskedPlatforms.Add(platform.ToString());
        return Unrunnable.Contains(platform.ToString()) ? ($"no emulator for {platform}", "install qemu") : null;
    }

    /// <summary>How often the runner was disposed (the engine does it once the build is over).</summary>
    public int Disposals { get; private set; }

    /// <summary>The most runs that were in progress at one time.</summary>
    public int MostAtOnce => Volatile.Read(ref mostAtOnce);

    /// <summary>What the command does when it runs (a command the test never named exits 0 and does nothing).</summary>
    public FakeCommand On(string command) => commands.GetOrAdd(command, _ => new FakeCommand());

    /// <summary>The one request whose command is <paramref name="command"/>.</summary>
    public StepProcess Run(string command) => Assert.Single(Runs, r => r.Argv[^1] == command);

    /// <summary>What each command's lower dirs held when it ran (top first; each its files' relative paths), by command.</summary>
    public ConcurrentDictionary<string, IReadOnlyList<IReadOnlyList<string>>> Seen { get; } = new();

    public async Task<StepExit> RunAsync(StepProcess process, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        Runs.Enqueue(process);
        Seen[process.Argv[^1]] = process.Root.LowerDirs
            .Select(d => (IReadOnlyList<string>)[.. Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(d, f)).Order(StringComparer.Ordinal)])
            .ToList();
        var now = Interlocked.Increment(ref running);
        for (var most = mostAtOnce; now > most; most = mostAtOnce)
        {
            Interlocked.CompareExchange(ref mostAtOnce, now, most);
        }

        try
        {
            var command = commands.GetValueOrDefault(process.Argv[^1]) ?? new FakeCommand();
            return await command.RunAsync(process, stdout, cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref running);
        }
    }

    public ValueTask DisposeAsync()
    {
        Disposals++;
        return ValueTask.CompletedTask;
    }
}
