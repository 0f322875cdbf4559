using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.SandboxEscapes;

/// <summary>
/// A store's snapshots keep the images' setuid files as they are: a setuid-root binary of an
/// image is a setuid-root file on the host. When a new store was made with the default mode
/// (0755), any local user could run it from the snapshot directory and be root. A new store is
/// private to its owner (0700); another user must not reach, let alone run, what is inside.
/// </summary>
public sealed class StorePermissionEscapeTests : IDisposable
{
    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task Another_local_user_cannot_run_a_setuid_root_file_from_the_stores_snapshots()
    {
        // Everything above the store is open to all: only the store's own mode may stop the attack.
        File.SetUnixFileMode(Path.GetDirectoryName(fixture.Store)!, (UnixFileMode)0x1ed);
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync("FROM box:1\nRUN cp /bin/busybox /id && chmod 4755 /id\n")).Ok();
        // Named id, busybox runs its id applet: anyone who reaches it gets its output.
        var suid = Directory.EnumerateDirectories(Path.Combine(fixture.Store, "ibuild", "snapshots")).Select(d => Path.Combine(d, "id")).Single(File.Exists);
        Assert.Equal("4755 0", (await Tools.Run("stat", "-c", "%a %u", suid)).Ok().Stdout.Trim());

        var attack = await Tools.Run("runuser", "-u", "nobody", "--", suid, "-u");

        Assert.NotEqual(0, attack.ExitCode);
        Assert.Equal("", attack.Stdout);
        Assert.Contains("Permission denied", attack.Stderr);
    }
}
