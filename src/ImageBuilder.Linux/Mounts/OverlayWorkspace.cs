using System.Runtime.ExceptionServices;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Mounts;

/// <summary>
/// Runs file work (COPY, ADD, WORKDIR) over an overlay root without a container: a fresh thread
/// unshares its mount namespace, makes every mount private, mounts the overlay of
/// <see cref="OverlayWorkspaceSpec.LowerDirs"/> and the upper dir at the merged dir, and, for a
/// source of several layers, their read-only union; then runs the work on that same thread, and
/// unmounts before it ends. The mounts exist only in that thread's namespace: the host never sees
/// them, and a kill -9 cannot leave one behind. The work must be synchronous: it runs on this
/// thread, and another thread would not see the mounts.
/// </summary>
/// <remarks>
/// That thread must not start another: a thread inherits its creator's namespaces, so one started
/// there would see the overlay for as long as it lives. A pool worker started so (the pool adds
/// workers from the thread that queues work, as completing a task does) once ran a later step's
/// scratch cleanup, whose recursive delete went through the overlay's merged dir into its upper
/// dir — by then a committed snapshot — and left whiteouts of the base's directories in it (a
/// rootless bigctx build, found by the benchmark). So the thread completes nothing (a thread of its own
/// waits for it to end), .NET's process support is started before it (XzTool starts xz there),
/// and its mounts are detached before it ends, so that even a thread started there by mistake
/// finds an empty directory.
/// </remarks>
public static class OverlayWorkspace
{
    /// <summary>Runs <paramref name="work"/>(merged root, source root or null) and completes when it returns.</summary>
    public static Task RunAsync(OverlayWorkspaceSpec spec, Action<string, string?> work) => RunOnPrivateThreadAsync(() =>
    {
        var mounted = new Stack<string>();
        try
        {
            string? source;
            using (BuildTrace.Phase("mount").Arg("layers", spec.LowerDirs.Count + (spec.SourceLowerDirs?.Count ?? 0)))
            {
                Directory.CreateDirectory(spec.MergedDir);
                // An overlay needs a lower dir; an empty one stands in for a stage FROM scratch.
                var lowers = spec.LowerDirs.Count > 0 ? spec.LowerDirs : [Directory.CreateDirectory(Path.Combine(spec.WorkDir, "..", "empty")).FullName];
                Syscalls.MountOverlay(spec.MergedDir, lowers, spec.UpperDir, spec.WorkDir, 0);
                mounted.Push(spec.MergedDir);
                source = SourceRoot(spec, mounted);
            }

            work(spec.MergedDir, source);
        }
        finally
        {
            while (mounted.TryPop(out var target))
            {
                try
                {
                    Syscalls.DetachMount(target);
                }
                catch (LinuxException)
                {
                    // Never in place of the work's own error; the namespace ends with the thread anyway.
                }
            }
        }
    });

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh thread whose mount namespace is its own (every mount
    /// private); completes once the thread has ended.
    /// </summary>
    internal static async Task RunOnPrivateThreadAsync(Action work)
    {
        Rootless.HostMode.Current.RequireUserNamespace("mounting an overlay");
        Sandbox.ProcessSupport.EnsureStarted();
        ExceptionDispatchInfo? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                Syscalls.Unshare(Syscalls.CloneNewNs);
                Syscalls.Mount(null, "/", null, Syscalls.MountRecursive | Syscalls.MountPrivate, null);
                work();
            }
            catch (Exception e)
            {
                error = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "ibuild private mounts",
        };
        thread.Start();
        // A thread of its own waits (not a pool thread held for a 20-second COPY).
        await Task.Factory.StartNew(thread.Join, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        error?.Throw();
    }

    /// <summary>The source's root: nothing, its one layer as it is, or the read-only union of its layers.</summary>
    private static string? SourceRoot(OverlayWorkspaceSpec spec, Stack<string> mounted)
    {
        if (spec.SourceLowerDirs is not { } lowers)
        {
            return null;
        }

        var dir = spec.SourceDir ?? throw new ArgumentException("a source needs a SourceDir to mount it on", nameof(spec));
        Directory.CreateDirectory(dir);
        switch (lowers.Count)
        {
            case 0:
                return dir;
            case 1:
                return lowers[0];
            default:
                Syscalls.MountOverlay(dir, lowers, null, null, Syscalls.MountAttrReadOnly);
                mounted.Push(dir);
                return dir;
        }
    }
}

/// <summary>
/// An overlay to work in: <paramref name="LowerDirs"/> top first (may be empty), a fresh
/// <paramref name="UpperDir"/> and <paramref name="WorkDir"/> on one file system, mounted at
/// <paramref name="MergedDir"/>. <paramref name="SourceLowerDirs"/>, when set, are the layers of a
/// COPY --from source, mounted read-only at <paramref name="SourceDir"/>.
/// </summary>
public sealed record OverlayWorkspaceSpec(
    IReadOnlyList<string> LowerDirs,
    string UpperDir,
    string WorkDir,
    string MergedDir,
    IReadOnlyList<string>? SourceLowerDirs = null,
    string? SourceDir = null);
