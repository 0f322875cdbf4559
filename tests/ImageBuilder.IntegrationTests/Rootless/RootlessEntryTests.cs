using ImageBuilder.IntegrationTests.Registry;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Rootless ibuild enters its user namespace only when a command needs it: a fully cached build
/// and the commands that read the store run as the user as they are. To prove it, these tests
/// run ibuild with a PATH that has dotnet and no unshare, from which entering fails with "needs
/// unshare". A build that does need the namespace prints its progress once, not once outside and
/// again inside.
/// </summary>
public sealed class RootlessEntryTests : IDisposable
{
    private const string Dockerfile = "FROM box:1\nCOPY a.txt /a.txt\nRUN echo made > /made\n";

    private readonly TempDirectory dir = new("ibuild-rootless-entry-");
    private readonly Lazy<RootlessUser> user = new(() => new RootlessUser());

    private RootlessUser User => user.Value;

    private string Store => dir.Combine("store");

    private string Context => dir.Combine("context");

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task A_cached_build_and_the_commands_that_read_the_store_run_without_entering_the_user_namespace()
    {
        var noUnshare = await StoreWithAppAsync();
        var id = (await RegistryTestKit.InspectAsync(User.Ibuild, Store, "app:1")).Id;

        var again = (await User.IbuildOnPath(noUnshare, "--root", Store, "build", "--progress", "plain", "-t", "app:2", Context)).Ok();
        Assert.Equal(2, again.Stderr.Split('\n').Count(l => l.EndsWith(" CACHED", StringComparison.Ordinal)));
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(User.Ibuild, Store, "app:2")).Id);

        Assert.Contains("app ", (await User.IbuildOnPath(noUnshare, "--root", Store, "images")).Ok().Stdout);
        Assert.Contains(id, (await User.IbuildOnPath(noUnshare, "--root", Store, "inspect", "app:1")).Ok().Stdout);
        (await User.IbuildOnPath(noUnshare, "--root", Store, "tag", "app:1", "app:3")).Ok();

        // A build's layer blobs are written when first read, from its snapshots, which the user
        // reads as the namespace does (RootlessSnapshotReadTests): saves stay outside.
        (await User.IbuildOnPath(noUnshare, "--root", Store, "save", "-o", dir.Combine("app.tar"), "app:3")).Ok();
        (await User.IbuildOnPath(noUnshare, "--root", Store, "save", "-o", dir.Combine("app.tar"), "app:3")).Ok();
        Assert.True(new FileInfo(dir.Combine("app.tar")).Length > 0);

        // run always enters (its container needs the namespace), so it fails on this PATH.
        var run = await User.IbuildOnPath(noUnshare, "--root", Store, "run", "app:1", "true");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("rootless ibuild needs unshare", run.Stderr);
    }

    [RootFact]
    public async Task A_build_that_needs_the_namespace_enters_it_and_prints_its_progress_once()
    {
        var noUnshare = await StoreWithAppAsync();
        File.WriteAllText(Path.Combine(Context, "a.txt"), "changed\n");
        User.Own(Context);

        // Outside, the COPY misses: the build stops there to enter (not at the store, which
        // images reads outside), and what it printed is dropped.
        (await User.IbuildOnPath(noUnshare, "--root", Store, "images")).Ok();
        var outside = await User.IbuildOnPath(noUnshare, "--root", Store, "build", "--progress", "plain", "-t", "app:1", Context);
        Assert.Equal(1, outside.ExitCode);
        Assert.Equal("ibuild: rootless ibuild needs unshare (Debian package util-linux) on PATH\n", outside.Stderr);
        Assert.Empty(outside.Stdout);

        var inside = (await User.Ibuild("--root", Store, "build", "--progress", "plain", "-t", "app:1", Context)).Ok();
        Assert.Single(inside.Stderr.Split('\n'), l => l.EndsWith("FROM box:1", StringComparison.Ordinal));
        Assert.Single(inside.Stderr.Split('\n'), l => l.Contains("COPY a.txt /a.txt", StringComparison.Ordinal));
        Assert.Equal("changed\n", (await User.Ibuild("--root", Store, "run", "app:1", "cat", "/a.txt")).Ok().Stdout);
    }

    [RootFact]
    public async Task A_cached_bind_of_the_context_hits_outside_the_namespace_where_its_owners_are_the_hosts_ids()
    {
        // A read-only bind of the whole context counts its files' owners in the cache key: the
        // user's own files outside, the namespace's root's inside. The build outside must see them
        // as the namespace does, or it would never find what a build inside recorded (here one
        // that starts there: --output enters first).
        var noUnshare = await StoreWithAppAsync();
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), "FROM box:1\nRUN --mount=type=bind,target=/ctx cat /ctx/a.txt > /seen\n");
        var subordinate = Linux.Rootless.SubordinateIds.Read(Linux.Rootless.SubordinateIds.UsersFile, User.Name, User.Uid)[0].Start + 41;
        File.WriteAllText(Path.Combine(Context, "theirs.txt"), "a container user's file\n");
        (await Tools.Run("chown", $"{subordinate}:{subordinate}", Path.Combine(Context, "theirs.txt"))).Ok();
        (await User.Ibuild("--root", Store, "build", "--output", $"type=local,dest={dir.Combine("out")}", "-t", "bind:1", Context)).Ok();

        var again = (await User.IbuildOnPath(noUnshare, "--root", Store, "build", "--progress", "plain", "-t", "bind:2", Context)).Ok();

        Assert.Single(again.Stderr.Split('\n'), l => l.EndsWith(" CACHED", StringComparison.Ordinal));
        Assert.Equal("from the context\n", (await User.Ibuild("--root", Store, "run", "bind:2", "cat", "/seen")).Ok().Stdout);
    }

    [RootFact]
    public async Task A_new_store_and_a_killed_builds_scratch_are_dealt_with_inside_the_namespace()
    {
        var noUnshare = await PathWithoutUnshareAsync();
        var fresh = dir.Combine("fresh");
        Assert.Contains("rootless ibuild needs unshare", (await User.IbuildOnPath(noUnshare, "--root", fresh, "images")).Stderr);
        Assert.False(Directory.Exists(fresh));

        (await User.Ibuild("--root", fresh, "images")).Ok();
        (await User.IbuildOnPath(noUnshare, "--root", fresh, "images")).Ok();

        // What a killed step leaves in scratch belongs to the namespace's ids (here: its uid 1, a subordinate id).
        var leftover = Directory.CreateDirectory(Path.Combine(fresh, "ibuild", "tmp", "killed", "upper", "etc")).FullName;
        var subordinate = Linux.Rootless.SubordinateIds.Read(Linux.Rootless.SubordinateIds.UsersFile, User.Name, User.Uid)[0].Start;
        User.Own(Path.Combine(fresh, "ibuild", "tmp", "killed"));
        (await Tools.Run("chown", "-R", $"{subordinate}:{subordinate}", Path.Combine(fresh, "ibuild", "tmp", "killed", "upper"))).Ok();
        Assert.Contains("rootless ibuild needs unshare", (await User.IbuildOnPath(noUnshare, "--root", fresh, "images")).Stderr);

        (await User.Ibuild("--root", fresh, "images")).Ok();
        Assert.False(Directory.Exists(leftover));
        Assert.Empty(StoreScratch.Leftovers(fresh));
    }

    [RootFact]
    public async Task A_secret_from_a_pipe_reaches_the_step_although_the_build_starts_again_in_the_namespace()
    {
        await StoreWithAppAsync();
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), "FROM box:1\nRUN --mount=type=secret,id=token cat /run/secrets/token > /token\n");
        var fifo = dir.Combine("token.fifo");
        (await Tools.Run("mkfifo", fifo)).Ok();
        User.Own(dir.Path);
        // The secret for the first reader, then nothing for every later one: a build that read
        // the pipe outside and again inside would get an empty secret.
        using var writer = System.Diagnostics.Process.Start("runuser", ["-u", User.Name, "--", "sh", "-c", $"printf s3cret > {fifo}; while :; do : > {fifo}; done"])!;

        var built = await User.Ibuild("--root", Store, "build", "--secret", $"id=token,src={fifo}", "-t", "secret:1", Context);

        writer.Kill(entireProcessTree: true);
        built.Ok();
        Assert.Equal("s3cret", (await User.Ibuild("--root", Store, "run", "secret:1", "cat", "/token")).Ok().Stdout);
    }

    [RootFact]
    public async Task Context_files_only_the_namespace_can_read_make_the_build_enter_rather_than_fail()
    {
        // Data of a container's user (a subordinate id) in the project, mode 0700: the user cannot
        // read it, the namespace's root can.
        var noUnshare = await StoreWithAppAsync();
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), "FROM box:1\nCOPY . /ctx\n");
        var data = Directory.CreateDirectory(Path.Combine(Context, "data")).FullName;
        File.WriteAllText(Path.Combine(data, "table"), "rows\n");
        User.Own(Context);
        var subordinate = Linux.Rootless.SubordinateIds.Read(Linux.Rootless.SubordinateIds.UsersFile, User.Name, User.Uid)[0].Start + 999;
        (await Tools.Run("chown", "-R", $"{subordinate}:{subordinate}", data)).Ok();
        (await Tools.Run("chmod", "0700", data)).Ok();

        var outside = await User.IbuildOnPath(noUnshare, "--root", Store, "build", "-t", "data:1", Context);
        Assert.Equal(1, outside.ExitCode);
        Assert.Equal("ibuild: rootless ibuild needs unshare (Debian package util-linux) on PATH\n", outside.Stderr);

        (await User.Ibuild("--root", Store, "build", "-t", "data:1", Context)).Ok();
        Assert.Equal("rows\n", (await User.Ibuild("--root", Store, "run", "data:1", "cat", "/ctx/data/table")).Ok().Stdout);
    }

    /// <summary>A store with box:1 and app:1 built from <see cref="Dockerfile"/>, made as the user; returns the PATH without unshare.</summary>
    private async Task<string> StoreWithAppAsync()
    {
        Directory.CreateDirectory(Context);
        File.WriteAllText(Path.Combine(Context, "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(Context, "a.txt"), "from the context\n");
        var noUnshare = await PathWithoutUnshareAsync();
        (await User.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        (await User.Ibuild("--root", Store, "build", "--progress", "plain", "-t", "app:1", Context)).Ok();
        return noUnshare;
    }

    private Task<string> PathWithoutUnshareAsync() => User.PathWithoutUnshareAsync(dir.Path);
}
