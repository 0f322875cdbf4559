using System.Formats.Tar;
using System.Text;
using ImageBuilder.IntegrationTests.Registry;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>
/// The first save and push of what rootless ibuild built make its layers from their snapshots
/// without entering the user namespace, reading them as the namespace does: owners of the user's
/// subordinate ids, a file capability, whiteouts, an opaque directory, a hard link. A layer made
/// so must be the one the build hashed inside (the store refuses a blob that is not). A snapshot
/// file the user may not read sends the command into the namespace — and then what it wrote
/// before is not written twice: the archive is whole, the push's lines are printed once.
/// </summary>
public sealed class RootlessSnapshotReadTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private const string CapabilityKey = "SCHILY.xattr.security.capability";

    // cap_net_raw, permitted and effective: what setcap writes (v2).
    private static readonly byte[] NetRaw = [0x01, 0, 0, 0x02, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly TempDirectory dir = new("ibuild-rootless-snapshots-");
    private readonly Lazy<RootlessUser> user = new(() => new RootlessUser());

    private RootlessUser User => user.Value;

    private string Store => dir.Combine("store");

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task A_builds_first_save_and_push_make_its_layers_outside_the_namespace_as_the_build_hashed_them()
    {
        var noUnshare = await User.PathWithoutUnshareAsync(dir.Path);
        var tar = new RawTar()
            .Directory("opt/")
            .Header(new RawTarHeader("opt/owned", '0') { Uid = 1234, Gid = 5678 }, "owned\n"u8)
            .Directory("opt/dir/", mode: 0x1ed)
            .Pax((CapabilityKey, NetRaw))
            .File("opt/ping", "raw\n", mode: 0x1ed)
            .ToArray();
        await BuildAsync(
            "app:1",
            "FROM box:1\nADD edge.tar /\n"
            + "RUN ln /opt/owned /opt/link && rm /bin/ls && rm -rf /opt/dir && mkdir /opt/dir && chown 2000:3000 /opt/dir && echo new > /opt/dir/new\n",
            ("edge.tar", tar));
        var (id, diffIds, _) = await RegistryTestKit.InspectAsync(User.Ibuild, Store, "app:1");

        var archive = dir.Combine("app.tar");
        (await User.IbuildOnPath(noUnshare, "--root", Store, "save", "-o", archive, "app:1")).Ok();
        var reference = $"{registry.Server.Host}/{RegistryTestKit.Repository("outside")}:1";
        (await User.IbuildOnPath(noUnshare, "--root", Store, "push", "app:1", reference)).Ok();

        Assert.Equal(diffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(reference, "--tls-verify=false"));
        var rootStore = dir.Combine("root-store");
        (await Tools.Ibuild("--root", rootStore, "load", "-i", archive)).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(rootStore, "app:1")).Id);
        var listing = (await Tools.Ibuild("--root", rootStore, "run", "app:1", "sh", "-c", "stat -c '%u:%g %h %n' /opt/owned /opt/dir; ls /opt/dir; test -e /bin/ls || echo no-ls")).Ok().Stdout;
        Assert.Equal("1234:5678 2 /opt/owned\n2000:3000 2 /opt/dir\nnew\nno-ls\n", listing);
        Assert.Contains(CapabilityKey, await PaxKeysAsync(archive, "opt/ping"));
    }

    [RegistryRootFact]
    public async Task A_snapshot_file_the_user_may_not_read_sends_save_and_push_inside_and_their_output_is_whole_and_said_once()
    {
        var noUnshare = await User.PathWithoutUnshareAsync(dir.Path);
        await BuildAsync("secret:1", "FROM box:1\nRUN mkdir /secret && echo s > /secret/key && chown -R 1234:1234 /secret && chmod 0700 /secret\n");
        await BuildAsync("secret:2", "FROM box:1\nRUN mkdir /hidden && echo h > /hidden/key && chown -R 1234:1234 /hidden && chmod 0700 /hidden\n");
        var id = (await RegistryTestKit.InspectAsync(User.Ibuild, Store, "secret:1")).Id;

        // To a file, the layer is packed into the archive as it is written, and the archive abandoned when the namespace is needed.
        Assert.Contains("rootless ibuild needs unshare", (await User.IbuildOnPath(noUnshare, "--root", Store, "save", "-o", dir.Combine("no.tar"), "secret:1")).Stderr);
        Assert.Empty(Directory.EnumerateFiles(dir.Path, "no.tar*"));

        // To a pipe: what went out before entering could not be taken back.
        var archive = dir.Combine("piped.tar");
        using (var save = System.Diagnostics.Process.Start(User.IbuildProcess("--root", Store, "save", "secret:1"))!)
        {
            await using (var file = File.Create(archive))
            {
                await save.StandardOutput.BaseStream.CopyToAsync(file);
            }

            await save.WaitForExitAsync();
            Assert.Equal(0, save.ExitCode);
        }

        var names = await EntryNamesAsync(archive);
        Assert.Equal(names.Distinct().Count(), names.Count);
        var rootStore = dir.Combine("root-store");
        (await Tools.Ibuild("--root", rootStore, "load", "-i", archive)).Ok();
        Assert.Equal(id, (await RegistryTestKit.InspectAsync(rootStore, "secret:1")).Id);

        var reference = $"{registry.Server.Host}/{RegistryTestKit.Repository("inside")}:1";
        var push = (await User.Ibuild("--root", Store, "push", "secret:2", reference)).Ok();
        var said = push.Stdout + push.Stderr;
        Assert.Single(said.Split('\n'), l => l.StartsWith("The push refers to repository", StringComparison.Ordinal));
        Assert.Single(said.Split('\n'), l => l.Contains(": digest: sha256:", StringComparison.Ordinal));
        Assert.Equal((await RegistryTestKit.InspectAsync(User.Ibuild, Store, "secret:2")).DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(reference, "--tls-verify=false"));
    }

    /// <summary>
    /// Builds <paramref name="dockerfile"/> as <paramref name="tag"/> in the user's store (box:1
    /// imported first), with <paramref name="files"/> in its context. The test directory is the
    /// user's already: chown -R over a store would change its snapshots.
    /// </summary>
    private async Task BuildAsync(string tag, string dockerfile, params (string Name, byte[] Content)[] files)
    {
        if (!Directory.Exists(Store))
        {
            (await User.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", "box:1")).Ok();
        }

        var context = Directory.CreateDirectory(dir.Combine("context-" + tag.Replace(':', '-'))).FullName;
        File.WriteAllText(Path.Combine(context, "Dockerfile"), dockerfile);
        foreach (var (name, content) in files)
        {
            File.WriteAllBytes(Path.Combine(context, name), content);
        }

        User.Own(context);
        (await User.Ibuild("--root", Store, "build", "-t", tag, context)).Ok();
    }

    private static async Task<List<string>> EntryNamesAsync(string archive)
    {
        var names = new List<string>();
        await using var stream = File.OpenRead(archive);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync() is { } entry)
        {
            names.Add(entry.Name);
        }

        return names;
    }

    /// <summary>The PAX keys of <paramref name="path"/> in whichever layer of the saved archive holds it.</summary>
    private static async Task<IReadOnlyCollection<string>> PaxKeysAsync(string archive, string path)
    {
        await using var stream = File.OpenRead(archive);
        await using var reader = new TarReader(stream);
        while (await reader.GetNextEntryAsync(copyData: true) is { } blob)
        {
            if (blob.DataStream is null || blob.Length < 512)
            {
                continue;
            }

            try
            {
                await using var layer = new TarReader(blob.DataStream);
                while (await layer.GetNextEntryAsync() is { } entry)
                {
                    if (entry.Name == path && entry is PaxTarEntry pax)
                    {
                        return [.. pax.ExtendedAttributes.Keys];
                    }
                }
            }
            catch (InvalidDataException)
            {
                // not a tar: a manifest or a config
            }
        }

        return [];
    }
}
