using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Mounts;

/// <summary>
/// Runs file work (COPY, ADD, WORKDIR) over an overlay root without a container: a fresh thread
/// unshares its mount namespace, makes every mount private, mounts the overlay of
/// <see cref="OverlayWorkspaceSpec.LowerDirs"/> and the upper dir at the merged dir, and, for a
/// source of several layers, their read-only union; then runs the work on that same thread.
/// The mounts exist only in that thread's namespace, which ends with the thread: the host never
/// sees them, and a kill -9 cannot leave one behind. The work must be synchronous: it runs on
/// this thread, and another thread would not see the mounts.
/// </summary>
public static class OverlayWorkspace
{
    /// <summary>Runs <paramref name="work"/>(merged root, source root or null) and completes when it returns.</summary>
    public static Task RunAsync(OverlayWorkspaceSpec spec, Action<string, string?> work) => RunOnPrivateThreadAsync(() =>
    {
        string? source;
        using (BuildTrace.Phase("mount").Arg("layers", spec.LowerDirs.Count + (spec.SourceLowerDirs?.Count ?? 0)))
        {
            Directory.CreateDirectory(spec.MergedDir);
            // An overlay needs a lower dir; an empty one stands in for a stage FROM scratch.
            var lowers = spec.LowerDirs.Count > 0 ? spec.LowerDirs : [Directory.CreateDirectory(Path.Combine(spec.WorkDir, "..", "empty")).FullName];
            Syscalls.MountOverlay(spec.MergedDir, lowers, spec.UpperDir, spec.WorkDir, 0);
            source = SourceRoot(spec);
        }

        work(spec.MergedDir, source);
    });

    /// <summary>
    /// Runs <paramref name="work"/> on a fresh thread whose mount namespace is its own (every mount
    /// private); completes once the thread, and with it the namespace and its mounts, is gone.
    /// </summary>
    internal static Task RunOnPrivateThreadAsync(Action work)
    {
        Rootless.HostMode.Current.RequireUserNamespace("mounting an overlay");
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Syscalls.Unshare(Syscalls.CloneNewNs);
                Syscalls.Mount(null, "/", null, Syscalls.MountRecursive | Syscalls.MountPrivate, null);
                work();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = "ibuild private mounts",
        };
        thread.Start();
        return done.Task.ContinueWith(finished =>
        {
            thread.Join();
            return finished;
        }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default).Unwrap();
    }

    /// <summary>The source's root: nothing, its one layer as it is, or the read-only union of its layers.</summary>
    private static string? SourceRoot(OverlayWorkspaceSpec spec)
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
