using ImageBuilder.Linux.Mounts;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Linux.Tests.Mounts;

/// <summary>
/// File work's overlay lives only in the namespace of the thread that does the work, and only
/// while it does: once a COPY's upper dir is committed as a snapshot, nothing may reach it through
/// the merged dir any more. A rootless bigctx build whose COPY took 22 s hit exactly that: every
/// idle pool worker had ended, so completing the work's task started a new worker from the work's
/// thread, in its mount namespace; that worker went on to commit the upper dir as a snapshot and
/// to delete the step's scratch, recursively, through the still mounted merged dir — leaving
/// whiteouts of every base directory in the snapshot.
/// </summary>
public sealed class OverlayWorkspaceTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task A_thread_started_during_the_work_cannot_reach_the_committed_upper_dir_through_the_overlay()
    {
        var lower = Directory.CreateDirectory(dir.Combine("lower/bin")).Parent!.FullName;
        File.WriteAllText(Path.Combine(lower, "bin", "sh"), "base\n");
        var scratch = Directory.CreateDirectory(dir.Combine("scratch")).FullName;
        var spec = new OverlayWorkspaceSpec([lower], Path.Combine(scratch, "upper"), Path.Combine(scratch, "work"), Path.Combine(scratch, "merged"));
        Directory.CreateDirectory(spec.UpperDir);
        Directory.CreateDirectory(spec.WorkDir);
        using var cleanup = new ManualResetEventSlim();
        Exception? cleanupError = null;
        Thread? started = null;

        await OverlayWorkspace.RunAsync(spec, (root, _) =>
        {
            Directory.CreateDirectory(Path.Combine(root, "ctx"));
            File.WriteAllText(Path.Combine(root, "ctx", "copied.txt"), "copied\n");
            // As the pool does when it needs a worker: a thread started from this one shares its namespaces.
            started = new Thread(() =>
            {
                cleanup.Wait();
                try
                {
                    Directory.Delete(scratch, recursive: true);
                }
                catch (Exception e)
                {
                    cleanupError = e;
                }
            });
            started.Start();
        });

        // The commit, then the scratch cleanup on the thread the work started.
        var snapshot = dir.Combine("snapshot");
        Directory.Move(spec.UpperDir, snapshot);
        cleanup.Set();
        started!.Join();

        Assert.Null(cleanupError);
        Assert.False(Directory.Exists(scratch));
        Assert.Equal(["ctx"], Directory.EnumerateFileSystemEntries(snapshot).Select(Path.GetFileName));
        Assert.Equal("copied\n", File.ReadAllText(Path.Combine(snapshot, "ctx", "copied.txt")));
        Assert.Equal("base\n", File.ReadAllText(Path.Combine(lower, "bin", "sh")));
    }
}
