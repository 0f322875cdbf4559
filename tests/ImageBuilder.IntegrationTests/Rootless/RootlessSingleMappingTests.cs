using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// A user without subordinate ids: ibuild warns once and runs with the single mapping (the user
/// as root). What belongs to root builds, RUN included (setgroups is denied there); a layer that
/// needs another owner fails with one located error naming the path, the owner and the fix, and
/// the store stays consistent.
/// </summary>
public sealed class RootlessSingleMappingTests : IDisposable
{
    private const string Warning = "has no subordinate ids in /etc/subuid and /etc/subgid";

    private readonly BuildFixture fixture = new(new RootlessUser(RootlessUser.WithoutSubordinateIds));

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_build_whose_files_all_belong_to_root_succeeds_with_one_warning_and_setgroups_denied()
    {
        await fixture.ImportBaseAsync();

        var build = (await fixture.BuildAsync(
            "FROM box:1\nRUN id -u > /uid && id -G > /groups && cat /proc/self/setgroups > /setgroups && cat /proc/self/uid_map > /uid_map\n",
            "-t", "app:1")).Ok();

        Assert.Single(Lines(build.Stderr), l => l.Contains(Warning, StringComparison.Ordinal));
        Assert.Contains($"usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {fixture.User.Name}", build.Stderr);
        var run = (await fixture.Ibuild("--root", fixture.Store, "run", "app:1", "cat", "/uid", "/groups", "/setgroups", "/uid_map")).Ok();
        var lines = Lines(run.Stdout);
        Assert.Equal(["0", "0", "deny"], lines[..3]);
        Assert.Equal(["0", fixture.User.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture), "1"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Single(Lines(run.Stderr), l => l.Contains(Warning, StringComparison.Ordinal));
    }

    public static TheoryData<string, string, string> OtherOwners() => new()
    {
        { "COPY --chown=1000:1000 f /f\n", "IB2005: COPY failed: /f belongs to uid 1000 gid 1000", "f" },
        { "ADD owned.tar /\n", "IB2005: ADD failed: /data/f belongs to uid 1000 gid 1001", "owned.tar" },
    };

    [RootTheory]
    [MemberData(nameof(OtherOwners))]
    public async Task A_layer_that_needs_another_owner_fails_with_one_clear_error_and_leaves_the_store_consistent(
        string instruction, string error, string file)
    {
        await fixture.ImportBaseAsync();
        fixture.Write(file, file.EndsWith(".tar", StringComparison.Ordinal) ? EdgeCaseTars.FileOwnedBy(1000, 1001) : "x\n"u8.ToArray());

        var build = await fixture.BuildAsync("FROM box:1\n" + instruction, "-t", "other:1");

        Assert.Equal(1, build.ExitCode);
        var located = Assert.Single(Lines(build.Stderr), l => l.StartsWith(Path.Combine(fixture.Context, "Dockerfile") + ":2:1: ", StringComparison.Ordinal));
        Assert.Contains(error, located);
        Assert.Contains($"give {fixture.User.Name} subordinate ids: usermod --add-subuids 100000-165535 --add-subgids 100000-165535 {fixture.User.Name}", located);
        AssertNoStackTrace(build);
        await AssertStoreConsistentAsync("box");
    }

    [RootFact]
    public async Task Importing_a_layer_with_another_owner_fails_naming_the_path_and_the_owner()
    {
        var tar = EdgeCaseTars.Save(EdgeCaseTars.FileOwnedBy(1000, 1000), Path.Combine(fixture.Context, "owned.tar"));
        fixture.User.Own(tar);

        var import = await fixture.Ibuild("--root", fixture.Store, "import", tar, "-t", "owned:1");

        Assert.Equal(1, import.ExitCode);
        var error = Assert.Single(Lines(import.Stderr), l => !l.Contains(Warning, StringComparison.Ordinal));
        Assert.Contains("/data/f belongs to uid 1000 gid 1000", error);
        Assert.Contains("usermod --add-subuids", error);
        AssertNoStackTrace(import);
        await AssertStoreConsistentAsync();
    }

    [RootFact]
    public async Task A_run_step_as_another_user_fails_before_it_starts_saying_why()
    {
        await fixture.ImportBaseAsync();

        var build = await fixture.BuildAsync("FROM box:1\nUSER 1000\nRUN echo started\n");

        Assert.Equal(1, build.ExitCode);
        var located = Assert.Single(Lines(build.Stderr), l => l.StartsWith(Path.Combine(fixture.Context, "Dockerfile") + ":3:1: ", StringComparison.Ordinal));
        Assert.Contains("IB2008: RUN could not start: USER 1000 is uid 1000 gid 0, which this rootless user namespace does not map", located);
        Assert.Contains("usermod --add-subuids", located);
        Assert.DoesNotContain("started", build.Stdout + build.Stderr.Replace("RUN echo started", "", StringComparison.Ordinal));
        AssertNoStackTrace(build);
        await AssertStoreConsistentAsync("box");
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static void AssertNoStackTrace(Tools.Result result)
    {
        Assert.DoesNotContain("   at ", result.Stderr);
        Assert.DoesNotContain("Exception", result.Stderr);
    }

    /// <summary>images lists exactly <paramref name="repositories"/>, fsck finds nothing wrong, prune works and leaves no scratch.</summary>
    private async Task AssertStoreConsistentAsync(params string[] repositories)
    {
        var images = (await fixture.Ibuild("--root", fixture.Store, "images")).Ok().Stdout;
        Assert.Equal(repositories, Lines(images).Skip(1).Select(l => l.Split(' ')[0]));
        Assert.Contains("no problems", (await fixture.Ibuild("--root", fixture.Store, "fsck")).Ok().Stdout);
        (await fixture.Ibuild("--root", fixture.Store, "prune")).Ok();
        fixture.AssertNothingLeft();
    }
}
