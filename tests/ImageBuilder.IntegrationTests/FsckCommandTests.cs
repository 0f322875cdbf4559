using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// <c>ibuild fsck</c> through the CLI on a store a real build made: each kind of damage is named
/// and exits 1; <c>--repair</c> leaves a store fsck calls clean; and the next build of the same
/// Dockerfile succeeds and gives an image that works.
/// </summary>
public sealed class FsckCommandTests : IDisposable
{
    private const string Dockerfile = """
        FROM box:1
        RUN echo hello > /greeting && mkdir /d && echo x > /d/f
        RUN rm /d/f && echo two > /two
        CMD ["cat", "/greeting"]
        """;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    private string Store => fixture.Store;

    [RootTheory]
    [InlineData("flipped byte in a layer blob")]
    [InlineData("truncated config")]
    [InlineData("deleted blob a manifest names")]
    [InlineData("snapshot with a file changed")]
    [InlineData("base snapshot with a file changed")]
    [InlineData("cache record naming a missing blob")]
    [InlineData("tag naming a missing manifest")]
    public async Task Damage_is_named_repaired_and_the_next_build_works(string damage)
    {
        await BuildAsync();
        var expected = await PlantAsync(damage);

        var found = await Fsck();
        Assert.Equal(1, found.ExitCode);
        Assert.Contains(expected, found.Stdout);
        Assert.Contains("ibuild fsck --repair removes what is broken", found.Stdout);

        var repaired = await Fsck("--repair");
        Assert.True(repaired.ExitCode == 0, repaired.Stdout + repaired.Stderr);
        Assert.Contains(expected, repaired.Stdout);
        Assert.Contains(" 0 remaining", repaired.Stdout);
        var clean = await Fsck();
        Assert.True(clean.ExitCode == 0, clean.Stdout);
        Assert.Contains(": no problems", clean.Stdout);

        await BuildAsync();
        await AssertImageWorksAsync();
        Assert.Equal(0, (await Fsck()).ExitCode);
    }

    [RootFact]
    public async Task A_clean_store_is_clean_and_a_repair_removes_nothing()
    {
        await BuildAsync();
        var before = Contents();

        var check = await Fsck();
        var repair = await Fsck("--repair");

        Assert.Equal(0, check.ExitCode);
        // 5 blob files: the base's layer, config and manifest, the build's config and manifest; the build's two
        // layers are not written until something reads them (they are checked through their snapshots).
        Assert.Matches(@"^checked 5 blobs, 2 images, 3 snapshots, 3 cache records: no problems\n$", check.Stdout);
        Assert.Equal(0, repair.ExitCode);
        Assert.Equal(check.Stdout, repair.Stdout);
        Assert.Equal(before, Contents());
        await AssertImageWorksAsync();
    }

    private async Task BuildAsync()
    {
        if (!File.Exists(Path.Combine(Store, "index.json")))
        {
            await fixture.ImportBaseAsync();
        }

        (await fixture.BuildAsync(Dockerfile, "-t", "app:1")).Ok();
    }

    private Task<Tools.Result> Fsck(params string[] options) => Tools.Ibuild(["--root", Store, "fsck", .. options]);

    private async Task AssertImageWorksAsync()
    {
        Assert.Equal("hello\n", (await Tools.Ibuild("--root", Store, "run", "app:1")).Ok().Stdout);
        Assert.Equal("two\n[]\n", (await Tools.Ibuild("--root", Store, "run", "app:1", "sh", "-c", "cat /two; echo \"[$(ls /d)]\"")).Ok().Stdout);
        var rootfs = await fixture.UnpackWithUmociAsync("app:1");
        Assert.Equal("hello\n", File.ReadAllText(Path.Combine(rootfs, "greeting")));
    }

    /// <summary>Damages the store; returns what fsck's report must say about it.</summary>
    private async Task<string> PlantAsync(string damage)
    {
        using var inspect = JsonDocument.Parse((await Tools.Ibuild("--root", Store, "inspect", "app:1")).Ok().Stdout);
        var layers = inspect.RootElement.GetProperty("Manifest").GetProperty("layers").EnumerateArray()
            .Select(l => Digest.Parse(l.GetProperty("digest").GetString()!)).ToList();
        var diffIds = inspect.RootElement.GetProperty("Config").GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray()
            .Select(d => Digest.Parse(d.GetString()!)).ToList();
        var config = Digest.Parse(inspect.RootElement.GetProperty("Id").GetString()!);
        var chainIds = ChainId.All(diffIds);
        if (damage is "flipped byte in a layer blob" or "deleted blob a manifest names")
        {
            // A build's layer blobs are written when first read: a save into a device writes them
            // (into a file, it packs the layers into the archive instead).
            (await Tools.Ibuild("--root", Store, "save", "-o", "/dev/null", "app:1")).Ok();
        }

        switch (damage)
        {
            case "flipped byte in a layer blob":
                var bytes = File.ReadAllBytes(Blob(layers[1]));
                bytes[bytes.Length / 2] ^= 0x01;
                File.WriteAllBytes(Blob(layers[1]), bytes);
                return $"corrupt blob {layers[1]}: its content hashes to sha256:";
            case "truncated config":
                File.WriteAllBytes(Blob(config), File.ReadAllBytes(Blob(config))[..100]);
                return $"config {config} is corrupt";
            case "deleted blob a manifest names":
                File.Delete(Blob(layers[2]));
                return $"broken image app:1 (manifest sha256:";
            case "snapshot with a file changed":
                File.WriteAllText(Path.Combine(Snapshot(chainIds[1]), "greeting"), "tampered\n");
                return $"broken snapshot {chainIds[1]} (layer 2 of app:1): its files changed since it was made";
            case "base snapshot with a file changed":
                File.AppendAllText(Path.Combine(Snapshot(chainIds[0]), "etc", "passwd"), "intruder:x:0:0::/:/bin/sh\n");
                return $"broken snapshot {chainIds[0]} (layer 1 of box:1): its files differ from those of layer {layers[0]}";
            case "cache record naming a missing blob":
                var missing = Digest.Sha256("nothing"u8);
                var key = Convert.ToHexStringLower(SHA256.HashData("a key"u8));
                File.WriteAllText(Path.Combine(Store, "ibuild", "cache", key),
                    $$"""{"created":"2024-01-01T00:00:00Z","mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"{{missing}}","size":5,"diffID":"{{missing}}"}""");
                return $"broken record ibuild/cache/{key}: its layer {missing} is missing";
            case "tag naming a missing manifest":
                var index = JsonNode.Parse(File.ReadAllText(Path.Combine(Store, "index.json")))!;
                var ghost = Digest.Sha256("ghost"u8);
                index["manifests"]!.AsArray().Add(JsonNode.Parse($$$"""
                    {"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{ghost}}}","size":500,
                     "annotations":{"org.opencontainers.image.ref.name":"ghost:1","io.containerd.image.name":"docker.io/library/ghost:1"}}
                    """));
                File.WriteAllText(Path.Combine(Store, "index.json"), index.ToJsonString());
                return $"broken image ghost:1 (manifest {ghost}): manifest {ghost} is missing";
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }
    }

    private string Blob(Digest digest) => Path.Combine(Store, "blobs", "sha256", digest.Encoded);

    private string Snapshot(Digest chainId) => Path.Combine(Store, "ibuild", "snapshots", chainId.Encoded);

    /// <summary>
    /// The store's files with their content hashes, and its snapshots by name (fsck itself checks what is
    /// in them); not the locks, nor the snapshot records fsck adds.
    /// </summary>
    private SortedDictionary<string, string> Contents()
    {
        var contents = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var path in Directory.EnumerateFileSystemEntries(Store, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Store, path);
            // Skipped too: a command's own directory of scratch for files, which stays while this process
            // (running ibuild in process) lives; only what it holds would be a leftover (StoreScratch).
            if (relative.StartsWith("ibuild/snapshot-records", StringComparison.Ordinal) || relative.EndsWith("lock", StringComparison.Ordinal)
                || relative.Split('/') is ["ibuild", "snapshots", _, _, ..]
                || (relative.Split('/') is ["ibuild", "tmp", var files] && files.EndsWith(".files", StringComparison.Ordinal)))
            {
                continue;
            }

            contents[relative] = Directory.Exists(path) ? "directory" : Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
        }

        return contents;
    }
}
