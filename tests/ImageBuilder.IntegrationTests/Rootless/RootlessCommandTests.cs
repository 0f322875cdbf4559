using System.Globalization;
using System.Text.Json;
using ImageBuilder.IntegrationTests.Registry;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// Every store command works for an ordinary user (rootless, in its user namespace): import,
/// build, run, images, inspect, tag, save, load, rmi and prune, checked by what they print and
/// leave behind; files of other owners in layers keep their ids in images and containers.
/// </summary>
public sealed class RootlessCommandTests : IDisposable
{
    private const string Dockerfile = """
        FROM box:1
        COPY --chown=1234:5678 a.txt /a.txt
        RUN mkdir /made && echo made > /made/f && chown -R 42:43 /made
        CMD ["cat", "/a.txt"]
        """;

    private readonly TempDirectory dir = new("ibuild-rootless-commands-");
    private readonly Lazy<RootlessUser> user = new(() => new RootlessUser());

    private RootlessUser User => user.Value;

    public void Dispose() => dir.Dispose();

    [RootFact]
    public async Task A_rootless_user_imports_builds_runs_and_inspects_an_image_whose_files_belong_to_other_ids()
    {
        var store = await StoreWithAppAsync();

        var images = (await User.Ibuild("--root", store, "images")).Ok().Stdout;
        Assert.Contains(images.Split('\n'), l => l.StartsWith("box ", StringComparison.Ordinal));
        Assert.Contains(images.Split('\n'), l => l.StartsWith("app ", StringComparison.Ordinal));

        // The image's command prints the file; the files keep the owners the Dockerfile gave them.
        Assert.Equal("from the context\n", (await User.Ibuild("--root", store, "run", "app:1")).Ok().Stdout);
        Assert.Equal(["1234:5678 /a.txt", "42:43 /made", "42:43 /made/f"], await OwnersAsync(User.Ibuild, store, "app:1"));

        using var inspect = JsonDocument.Parse((await User.Ibuild("--root", store, "inspect", "app:1")).Ok().Stdout);
        Assert.Equal(["app:1"], inspect.RootElement.GetProperty("RepoTags").EnumerateArray().Select(t => t.GetString()));
        var config = inspect.RootElement.GetProperty("Config");
        Assert.Equal(["cat", "/a.txt"], config.GetProperty("config").GetProperty("Cmd").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(3, config.GetProperty("rootfs").GetProperty("diff_ids").GetArrayLength());
    }

    [RootFact]
    public async Task What_a_rootless_user_saves_loads_back_as_the_same_image_for_the_user_and_for_root()
    {
        var store = await StoreWithAppAsync();
        var id = (await RegistryTestKit.InspectAsync(User.Ibuild, store, "app:1")).Id;
        var archive = dir.Combine("app.tar");

        (await User.Ibuild("--root", store, "save", "-o", archive, "app:1")).Ok();

        Assert.Equal(User.Uid.ToString(CultureInfo.InvariantCulture), (await Tools.Run("stat", "-c", "%u", archive)).Ok().Stdout.Trim());
        var loaded = dir.Combine("loaded");
        Assert.Equal("Loaded image: app:1\n", (await User.Ibuild("--root", loaded, "load", "-i", archive)).Ok().Stdout);
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(User.Ibuild, loaded, "app:1")).Id);
        Assert.Equal(["1234:5678 /a.txt", "42:43 /made", "42:43 /made/f"], await OwnersAsync(User.Ibuild, loaded, "app:1"));

        var rootStore = dir.Combine("root-store");
        (await Tools.Ibuild("--root", rootStore, "load", "-i", archive)).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(rootStore, "app:1")).Id);
        Assert.Equal(["1234:5678 /a.txt", "42:43 /made", "42:43 /made/f"], await OwnersAsync(Tools.Ibuild, rootStore, "app:1"));
    }

    [RootFact]
    public async Task A_rootless_user_tags_removes_and_prunes_what_it_built_down_to_files_it_owns()
    {
        var store = await StoreWithAppAsync();
        var id = (await RegistryTestKit.InspectAsync(User.Ibuild, store, "app:1")).Id;
        (await User.Ibuild("--root", store, "tag", "app:1", "other:2")).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(User.Ibuild, store, "other:2")).Id);
        Assert.NotEmpty(await FilesNotOwnedByUserAsync(store));

        Assert.Equal("Untagged: app:1\n", (await User.Ibuild("--root", store, "rmi", "app:1")).Ok().Stdout);
        Assert.Equal("Untagged: other:2\n", (await User.Ibuild("--root", store, "rmi", "other:2")).Ok().Stdout);
        var prune = (await User.Ibuild("--root", store, "prune")).Ok();

        Assert.Matches(@"Deleted 0 untagged image\(s\), [1-9][0-9]* blob\(s\), [1-9][0-9]* snapshot\(s\)", prune.Stdout);
        var images = (await User.Ibuild("--root", store, "images")).Ok().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["REPOSITORY", "box"], images.Select(l => l.Split(' ')[0]));
        // The snapshots whose files belonged to subordinate ids are gone; box's belong to the user (root in its namespace).
        Assert.Empty(await FilesNotOwnedByUserAsync(store));
        Assert.Equal("from box\n", (await User.Ibuild("--root", store, "run", "box:1", "echo", "from box")).Ok().Stdout);
    }

    [RootFact]
    public async Task A_rootless_local_export_belongs_to_the_user_who_can_remove_it()
    {
        var store = await StoreWithAppAsync();
        var exported = dir.Combine("exported");

        (await User.Ibuild("--root", store, "build", "-o", $"type=local,dest={exported}", "-t", "app:1", dir.Combine("context"))).Ok();

        Assert.Equal("from the context\n", File.ReadAllText(Path.Combine(exported, "a.txt")));
        Assert.Equal("made\n", File.ReadAllText(Path.Combine(exported, "made", "f")));
        var uid = User.Uid.ToString(CultureInfo.InvariantCulture);
        var gid = User.Gid.ToString(CultureInfo.InvariantCulture);
        Assert.Empty((await Tools.Run("find", exported, "(", "!", "-uid", uid, "-o", "!", "-gid", gid, ")")).Ok().Stdout);
        var remove = User.RunAs("rm", "-rf", exported);
        Assert.True(remove.ExitCode == 0, remove.Stderr);
        Assert.False(Directory.Exists(exported));
    }

    [RootFact]
    public async Task A_layer_with_ids_beyond_the_users_subordinate_range_fails_saying_how_large_a_range_it_needs()
    {
        User.Own(dir.Path);
        var rootfs = Directory.CreateDirectory(dir.Combine("rootfs")).FullName;
        File.WriteAllText(Path.Combine(rootfs, "far"), "owned far away\n");
        var tarball = dir.Combine("far.tar");
        (await Tools.Run("tar", "--numeric-owner", "--owner=3000000", "--group=3000001", "-C", rootfs, "-cf", tarball, "far")).Ok();
        User.Own(tarball);
        var store = dir.Combine("store");

        var import = await User.Ibuild("--root", store, "import", tarball, "-t", "far:1");

        Assert.Equal(1, import.ExitCode);
        var error = Assert.Single(import.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("/far belongs to uid 3000000 gid 3000001, which this rootless user namespace does not map", error);
        Assert.Contains("of at least 3000001 ids", error);
        Assert.DoesNotContain("far:1", (await User.Ibuild("--root", store, "images")).Ok().Stdout);
    }

    [RootFact]
    public async Task A_container_as_a_user_beyond_the_subordinate_range_fails_saying_how_large_a_range_it_needs()
    {
        User.Own(dir.Path);
        var store = dir.Combine("store");
        (await User.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();

        var run = await User.Ibuild("--root", store, "run", "-u", "3000000:3000001", "box:1", "id");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Equal("", run.Stdout);
        Assert.Contains("cannot run id as uid 3000000 gid 3000001: this rootless user namespace does not map them", run.Stderr);
        Assert.Contains("of at least 3000001 ids", run.Stderr);
    }

    /// <summary>A store of the user's with box:1 imported and app:1 built from <see cref="Dockerfile"/>.</summary>
    private async Task<string> StoreWithAppAsync()
    {
        User.Own(dir.Path);
        var store = dir.Combine("store");
        var import = (await User.Ibuild("--root", store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        Assert.StartsWith("sha256:", import.Stdout);

        var context = Directory.CreateDirectory(dir.Combine("context")).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), Dockerfile);
        File.WriteAllText(Path.Combine(context, "a.txt"), "from the context\n");
        User.Own(context);
        (await User.Ibuild("--root", store, "build", "--progress", "plain", "-t", "app:1", context)).Ok();
        return store;
    }

    /// <summary>Lines <c>uid:gid path</c> of the files the Dockerfile made, as a container of the image sees them.</summary>
    private static async Task<List<string>> OwnersAsync(Func<string[], Task<Tools.Result>> ibuild, string store, string image)
    {
        var stat = (await ibuild(["--root", store, "run", image, "stat", "-c", "%u:%g %n", "/a.txt", "/made", "/made/f"])).Ok();
        return [.. stat.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];
    }

    private async Task<string> FilesNotOwnedByUserAsync(string store) =>
        (await Tools.Run("find", store, "!", "-uid", User.Uid.ToString(CultureInfo.InvariantCulture))).Ok().Stdout;
}
