using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ImageBuilder.Core.Oci;
using ImageBuilder.Registry;
using ImageBuilder.Registry.Tests.Fixtures;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Registry;

/// <summary>
/// A base loaded from a docker archive is stored uncompressed; when the registry its name points
/// at already holds it (as skopeo pushed it), a push mounts that gzip form instead of compressing
/// and uploading its own — but only after checking it unpacks to the layer's diff id.
/// </summary>
public sealed class RegistryLayerFormsTests(PlainRegistry registry) : IClassFixture<PlainRegistry>, IDisposable
{
    private readonly TempDirectory dir = new("ibuild-it-layer-forms-");

    private RegistryServer Server => registry.Server;

    public void Dispose() => dir.Dispose();

    [RegistryRootFact]
    public async Task A_loaded_base_the_registry_holds_is_mounted_from_there_not_compressed_again()
    {
        var based = $"{Server.Host}/{RegistryTestKit.Repository("base")}:1";
        var archive = await ArchiveNamedAsync(based);
        (await Tools.Run("skopeo", "copy", "-q", "--dest-tls-verify=false", $"docker-archive:{archive}", $"docker://{based}")).Ok();
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "load", "-i", archive)).Ok();
        var destination = $"{Server.Host}/{RegistryTestKit.Repository("app")}:1";

        var push = (await Tools.Ibuild("--root", store, "push", based, destination)).Ok();

        var registryLayer = LayerDigests(await RawManifestAsync(based)).Single();
        Assert.Equal([registryLayer], LayerDigests(await RawManifestAsync(destination)));
        Assert.Contains($"{registryLayer[7..19]}: mounted from", push.Stderr);
        Assert.Equal((await RegistryTestKit.InspectAsync(store, based)).DiffIds, await RegistryTestKit.DiffIdsWithSkopeoAsync(destination));
    }

    [RegistryRootFact]
    public Task A_registry_image_whose_layer_does_not_unpack_to_its_claimed_diff_id_is_not_trusted() => NotTrustedAsync(plainTar: false);

    [RegistryRootFact]
    public Task A_registry_image_whose_gzip_layer_is_the_plain_tar_is_not_trusted() => NotTrustedAsync(plainTar: true);

    private async Task NotTrustedAsync(bool plainTar)
    {
        // Another repository's image claims the base's diff id for a "gzip" layer of other bytes,
        // or for the base's own tar, uncompressed, which would unpack to that diff id.
        var named = $"{Server.Host}/{RegistryTestKit.Repository("lying")}:1";
        var archive = await ArchiveNamedAsync(named);
        var store = dir.Combine("store");
        (await Tools.Ibuild("--root", store, "load", "-i", archive)).Ok();
        var config = await File.ReadAllBytesAsync(Path.Combine(store, "blobs", "sha256", (await RegistryTestKit.InspectAsync(store, named)).Id[7..]));
        var forged = await PushForgedImageAsync(named, config, plainTar ? await File.ReadAllBytesAsync(await BusyboxRootfs.PathAsync()) : null);
        var destination = $"{Server.Host}/{RegistryTestKit.Repository("app")}:1";

        var push = (await Tools.Ibuild("--root", store, "push", named, destination)).Ok();

        Assert.DoesNotContain("mounted from", push.Stderr);
        var layer = LayerDigests(await RawManifestAsync(destination)).Single();
        Assert.NotEqual(forged, layer);
        var copy = dir.Combine("copy");
        (await Tools.Run("skopeo", "copy", "-q", "--src-tls-verify=false", $"docker://{destination}", $"dir:{copy}")).Ok();
        await using var gzip = new GZipStream(File.OpenRead(Path.Combine(copy, layer[7..])), CompressionMode.Decompress);
        Assert.Equal((await RegistryTestKit.InspectAsync(store, named)).DiffIds.Single(), "sha256:" + Convert.ToHexStringLower(await SHA256.HashDataAsync(gzip)));
    }

    /// <summary>
    /// A docker archive of the busybox base with its layer uncompressed, named
    /// <paramref name="reference"/> (as <c>docker save</c> writes one).
    /// </summary>
    private async Task<string> ArchiveNamedAsync(string reference)
    {
        var layer = await File.ReadAllBytesAsync(await BusyboxRootfs.PathAsync());
        var diffId = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer));
        var config = Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" + diffId + "\"]}}");
        var manifest = Encoding.UTF8.GetBytes("[{\"Config\":\"config.json\",\"RepoTags\":[\"" + reference + "\"],\"Layers\":[\"layer/layer.tar\"]}]");
        var archive = dir.Combine("base.tar");
        await using (var writer = new System.Formats.Tar.TarWriter(File.Create(archive)))
        {
            foreach (var (name, bytes) in new[] { ("config.json", config), ("layer/layer.tar", layer), ("manifest.json", manifest) })
            {
                await writer.WriteEntryAsync(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(bytes) });
            }
        }

        return archive;
    }

    /// <summary>
    /// Pushes <paramref name="config"/> as <paramref name="reference"/> with one layer said to be
    /// gzip: <paramref name="layer"/>, or random bytes gzipped; returns the layer's digest.
    /// </summary>
    private async Task<string> PushForgedImageAsync(string reference, byte[] config, byte[]? layer)
    {
        var (repository, tag) = (reference[(Server.Host.Length + 1)..reference.LastIndexOf(':')], reference[(reference.LastIndexOf(':') + 1)..]);
        using var buffer = new MemoryStream();
        await using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(RandomNumberGenerator.GetBytes(4096));
        }

        layer ??= buffer.ToArray();
        var layerDigest = Digest.Parse("sha256:" + Convert.ToHexStringLower(SHA256.HashData(layer)));
        var configDigest = Digest.Parse("sha256:" + Convert.ToHexStringLower(SHA256.HashData(config)));
        using var client = new RegistryClient(Server.Host, new RegistryClientOptions { InsecureRegistries = [Server.Host] });
        await client.PushBlobAsync(repository, new Descriptor { MediaType = MediaTypes.DockerLayerGzip, Digest = layerDigest, Size = layer.Length }, layer);
        await client.PushBlobAsync(repository, new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = configDigest, Size = config.Length }, config);
        var manifest = $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.DockerManifest}}",
             "config":{"mediaType":"{{MediaTypes.DockerConfig}}","size":{{config.Length}},"digest":"{{configDigest}}"},
             "layers":[{"mediaType":"{{MediaTypes.DockerLayerGzip}}","size":{{layer.Length}},"digest":"{{layerDigest}}"}]}
            """;
        await client.PushManifestAsync(repository, tag, Encoding.UTF8.GetBytes(manifest), MediaTypes.DockerManifest);
        return layerDigest.ToString();
    }

    private static async Task<string> RawManifestAsync(string reference) =>
        (await Tools.Run("skopeo", "inspect", "--raw", "--tls-verify=false", $"docker://{reference}")).Ok().Stdout;

    private static List<string> LayerDigests(string manifest)
    {
        using var json = JsonDocument.Parse(manifest);
        return json.RootElement.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!).ToList();
    }
}
