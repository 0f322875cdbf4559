using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// While a step runs, sends the big files it writes to the disk as they grow, so that
/// <see cref="DurableTree.Sync"/> at its end finds little left to write. Left alone, the kernel
/// writes dirty pages back only after 30 s or past a tenth of memory: a step that writes 300 MB in
/// 9 s left all of it for the flush at its end (0.4–0.6 s, after the step, on the build's critical
/// path); started twice a second during the step, the flush took 0.03–0.17 s. Every half second, when
/// the machine holds more than <see cref="DirtyThreshold"/> of dirty pages, the upper dir is walked
/// (<see cref="Syscalls.StartTreeWriteback"/>: no symlink followed, bounded) and each file of at
/// least <see cref="MinimumSize"/> changed since the last walk has its write-back started, without
/// waiting. Best effort: nothing here fails a step.
/// </summary>
public sealed class EarlyWriteback : IDisposable
{
    /// <summary>Files smaller than this are left to the flush at the end (its threads do many at once).</summary>
    public const long MinimumSize = 1 << 20;

    /// <summary>Below this much dirty memory (/proc/meminfo's Dirty), a walk is not worth its cost.</summary>
    public const long DirtyThreshold = 32L << 20;

    private const int MaxDepth = 32;
    private const int MaxEntries = 200_000;
    private static readonly TimeSpan DefaultPeriod = TimeSpan.FromMilliseconds(500);

    private readonly string upperDir;
    private readonly long dirtyThreshold;
    private readonly TimeSpan period;
    private readonly ManualResetEventSlim stop = new();
    private readonly Thread thread;
    private int started;

    private EarlyWriteback(string upperDir, long dirtyThreshold, TimeSpan period)
    {
        this.upperDir = upperDir;
        this.dirtyThreshold = dirtyThreshold;
        this.period = period;
        thread = new Thread(Run) { IsBackground = true, Name = "ibuild writeback" };
        thread.Start();
    }

    /// <summary>Files whose write-back it started so far.</summary>
    public int Started => Volatile.Read(ref started);

    /// <summary>Starts watching <paramref name="upperDir"/> until disposed.</summary>
    public static EarlyWriteback Start(string upperDir) => new(upperDir, DirtyThreshold, DefaultPeriod);

    /// <summary>As <see cref="Start(string)"/>, with another threshold and period (tests).</summary>
    internal static EarlyWriteback Start(string upperDir, long dirtyThreshold, TimeSpan period) => new(upperDir, dirtyThreshold, period);

    public void Dispose()
    {
        stop.Set();
        thread.Join();
        stop.Dispose();
    }

    private void Run()
    {
        long since = 0;
        while (!stop.Wait(period))
        {
            // Files modified in the last period before the previous walk may have grown after it looked.
            var now = (DateTimeOffset.UtcNow - period).ToUnixTimeMilliseconds() * 1_000_000;
            try
            {
                if (DirtyBytes() >= dirtyThreshold)
                {
                    Interlocked.Add(ref started, Syscalls.StartTreeWriteback(upperDir, MinimumSize, since, MaxDepth, MaxEntries, () => stop.IsSet));
                    since = now;
                }
            }
            catch (Exception)
            {
                // Only a head start for the flush at the end, which reports what goes wrong; a
                // failure on this thread of its own must never end ibuild.
            }
        }
    }

    /// <summary>/proc/meminfo's Dirty, in bytes (0 when it cannot be read).</summary>
    internal static long DirtyBytes()
    {
        foreach (var line in File.ReadLines("/proc/meminfo"))
        {
            if (line.StartsWith("Dirty:", StringComparison.Ordinal))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length >= 2 && long.TryParse(fields[1], out var kilobytes) ? kilobytes * 1024 : 0;
            }
        }

        return 0;
    }
}
