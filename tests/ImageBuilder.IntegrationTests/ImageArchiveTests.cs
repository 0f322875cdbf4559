using System.Text.Json;
using ImageBuilder.TestSupport;
using ImageBuilder.TestSupport.Oci;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// Images ibuild writes, read by the real tools (skopeo, umoci, podman), and images those
/// tools write, read by ibuild. Needs root (podman, and files owned by root in trees).
/// </summary>
public sealed class ImageArchiveTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-");

    public void Dispose() => dir.Dispose();

    private string Store => dir.Combine("store");

    private async Task<string> ImportBusybox(string name = "busybox:test")
    {
        var id = (await Tools.Ibuild("--root", Store, "import", await BusyboxRootfs.PathAsync(), "-t", name)).Ok().Stdout.Trim();
        Assert.StartsWith("sha256:", id);
        return id;
    }

    [RootFact]
    public async Task Saved_docker_archive_is_read_by_skopeo_and_unpacked_by_umoci_into_the_same_tree()
    {
        var id = await ImportBusybox();
        var archive = dir.Combine("busybox.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", archive, "busybox:test")).Ok();

        var inspect = (await Tools.Run("skopeo", "inspect", "--raw", $"docker-archive:{archive}")).Ok();
        using (var manifest = JsonDocument.Parse(inspect.Stdout))
        {
            Assert.Equal(id, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());
        }

        var config = (await Tools.Run("skopeo", "inspect", "--config", "--raw", $"docker-archive:{archive}")).Ok();
        OciSchemaValidator.AssertValid("application/vnd.oci.image.config.v1+json", System.Text.Encoding.UTF8.GetBytes(config.Stdout));

        var layout = dir.Combine("layout");
        (await Tools.Run("skopeo", "copy", $"docker-archive:{archive}", $"oci:{layout}:copied")).Ok();
        var bundle = dir.Combine("bundle");
        (await Tools.Run("umoci", "unpack", "--image", $"{layout}:copied", bundle)).Ok();

        var expected = await FileTreeSnapshot.DescribeAsync(await BusyboxRootfs.ExtractAsync(dir.Combine("expected")));
        Assert.Equal(expected, await FileTreeSnapshot.DescribeAsync(Path.Combine(bundle, "rootfs")));
    }

    [RootFact]
    public async Task Saved_oci_archive_validates_and_is_read_by_skopeo()
    {
        var id = await ImportBusybox();
        var archive = dir.Combine("busybox.oci.tar");
        (await Tools.Ibuild("--root", Store, "save", "--format", "oci", "-o", archive, "busybox:test")).Ok();

        var raw = (await Tools.Run("skopeo", "inspect", "--raw", $"oci-archive:{archive}:busybox:test")).Ok();
        OciSchemaValidator.AssertValid("application/vnd.oci.image.manifest.v1+json", System.Text.Encoding.UTF8.GetBytes(raw.Stdout));
        using var manifest = JsonDocument.Parse(raw.Stdout);
        Assert.Equal(id, manifest.RootElement.GetProperty("config").GetProperty("digest").GetString());

        var extracted = dir.Combine("extracted");
        Directory.CreateDirectory(extracted);
        (await Tools.Run("tar", "-xf", archive, "-C", extracted)).Ok();
        OciSchemaValidator.AssertValid("application/vnd.oci.image.index.v1+json", await File.ReadAllBytesAsync(Path.Combine(extracted, "index.json")));
        OciSchemaValidator.AssertValid("application/vnd.oci.layout.header.v1+json", await File.ReadAllBytesAsync(Path.Combine(extracted, "oci-layout")));
    }

    [RootFact]
    public async Task Podman_loads_the_docker_archive_with_the_same_image_id()
    {
        var id = await ImportBusybox("busybox:podman");
        var archive = dir.Combine("busybox.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", archive, "busybox:podman")).Ok();

        string[] podman = ["--root", dir.Combine("podman-root"), "--runroot", dir.Combine("podman-run"), "--storage-driver", "vfs"];
        (await Tools.Run("podman", [.. podman, "load", "-i", archive])).Ok();
        var images = (await Tools.Run("podman", [.. podman, "images", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])).Ok();

        Assert.Contains($"localhost/busybox:podman {id}", images.Stdout.Replace("docker.io/library/", "localhost/"));

        // And back: what podman saves, in both formats, loads into a fresh ibuild store.
        var expected = await FileTreeSnapshot.DescribeAsync(await BusyboxRootfs.ExtractAsync(dir.Combine("expected")));
        foreach (var format in new[] { "docker-archive", "oci-archive" })
        {
            var saved = dir.Combine($"podman-{format}.tar");
            (await Tools.Run("podman", [.. podman, "save", "--format", format, "-o", saved, "busybox:podman"])).Ok();
            var store = dir.Combine($"store-{format}");
            (await Tools.Ibuild("--root", store, "load", "-i", saved)).Ok();
            var listed = (await Tools.Ibuild("--root", store, "images")).Ok().Stdout;
            Assert.Contains(id["sha256:".Length..][..12], listed);
            var snapshot = Directory.GetDirectories(Path.Combine(store, "ibuild", "snapshots")).Single();
            Assert.Equal(expected, await FileTreeSnapshot.DescribeAsync(snapshot));
        }
    }

    [RootFact]
    public async Task Every_document_in_a_saved_docker_archive_validates_against_the_oci_schemas()
    {
        await ImportBusybox();
        var archive = dir.Combine("busybox.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", archive, "busybox:test")).Ok();
        var extracted = dir.Combine("extracted");
        Directory.CreateDirectory(extracted);
        (await Tools.Run("tar", "-xf", archive, "-C", extracted)).Ok();

        var indexBytes = await File.ReadAllBytesAsync(Path.Combine(extracted, "index.json"));
        OciSchemaValidator.AssertValid("application/vnd.oci.image.index.v1+json", indexBytes);
        OciSchemaValidator.AssertValid("application/vnd.oci.layout.header.v1+json", await File.ReadAllBytesAsync(Path.Combine(extracted, "oci-layout")));
        using var index = JsonDocument.Parse(indexBytes);
        var manifestDigest = index.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
        var manifestBytes = await File.ReadAllBytesAsync(Path.Combine(extracted, "blobs", "sha256", manifestDigest[7..]));
        OciSchemaValidator.AssertValid("application/vnd.oci.image.manifest.v1+json", manifestBytes);
        using var manifest = JsonDocument.Parse(manifestBytes);
        var configDigest = manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
        OciSchemaValidator.AssertValid("application/vnd.oci.image.config.v1+json",
            await File.ReadAllBytesAsync(Path.Combine(extracted, "blobs", "sha256", configDigest[7..])));

        using var dockerManifest = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(extracted, "manifest.json")));
        var entry = dockerManifest.RootElement[0];
        Assert.Equal($"blobs/sha256/{configDigest[7..]}", entry.GetProperty("Config").GetString());
        Assert.Equal("busybox:test", entry.GetProperty("RepoTags")[0].GetString());
        Assert.True(File.Exists(Path.Combine(extracted, "repositories")));
    }

    [RootFact]
    public async Task An_image_written_by_skopeo_loads_into_ibuild_and_unpacks_to_the_same_tree()
    {
        // skopeo makes an OCI layout and a docker archive from ibuild's import; ibuild loads both
        // into fresh stores. The snapshot ibuild unpacks must equal the original tree.
        await ImportBusybox();
        var ours = dir.Combine("ours.tar");
        (await Tools.Ibuild("--root", Store, "save", "-o", ours, "busybox:test")).Ok();
        var layout = dir.Combine("skopeo-layout");
        (await Tools.Run("skopeo", "copy", $"docker-archive:{ours}", $"oci:{layout}:from-skopeo")).Ok();
        var theirs = dir.Combine("skopeo.tar");
        (await Tools.Run("skopeo", "copy", $"oci:{layout}:from-skopeo", $"docker-archive:{theirs}:example.com/busy:skopeo")).Ok();

        var expected = await FileTreeSnapshot.DescribeAsync(await BusyboxRootfs.ExtractAsync(dir.Combine("expected")));
        foreach (var (source, name) in new[] { (layout, "from-skopeo"), (theirs, "example.com/busy:skopeo") })
        {
            var store = dir.Combine("store-" + Path.GetFileName(source));
            (await Tools.Ibuild("--root", store, "load", "-i", source)).Ok();
            var inspect = (await Tools.Ibuild("--root", store, "inspect", name)).Ok();
            using var json = JsonDocument.Parse(inspect.Stdout);
            var diffId = json.RootElement.GetProperty("Config").GetProperty("rootfs").GetProperty("diff_ids")[0].GetString()!;
            var snapshot = Path.Combine(store, "ibuild", "snapshots", diffId["sha256:".Length..]);
            Assert.Equal(expected, await FileTreeSnapshot.DescribeAsync(snapshot));
        }
    }
}
