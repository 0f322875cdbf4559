using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Registry.Tests.Fixtures;

/// <summary>A blob the tests push: its bytes and descriptor.</summary>
internal sealed record TestBlob(Descriptor Descriptor, byte[] Content)
{
    /// <summary><paramref name="size"/> bytes that differ for every seed.</summary>
    public static TestBlob Random(int size, int seed, string mediaType = MediaTypes.OciLayerGzip)
    {
        var content = new byte[size];
        new Random(seed).NextBytes(content);
        return new TestBlob(Descriptor.ForContent(mediaType, content), content);
    }
}

/// <summary>A small real OCI image: one gzip layer with a file, its config and manifest.</summary>
internal sealed record TestImage(TestBlob Config, TestBlob Layer, byte[] Manifest, Digest ManifestDigest)
{
    public static TestImage Create(string text, string architecture = "amd64", string? variant = null)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            var entry = new PaxTarEntry(TarEntryType.RegularFile, "hello.txt")
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)),
                ModificationTime = DateTimeOffset.UnixEpoch,
                Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
            };
            writer.WriteEntry(entry);
        }

        var diffId = Digest.Sha256(tar.ToArray());
        using var gzip = new MemoryStream();
        using (var compressor = new GZipStream(gzip, CompressionLevel.Optimal, leaveOpen: true))
        {
            compressor.Write(tar.ToArray());
        }

        var layer = new TestBlob(Descriptor.ForContent(MediaTypes.OciLayerGzip, gzip.ToArray()), gzip.ToArray());
        var variantField = variant is null ? "" : $",\"variant\":\"{variant}\"";
        var config = Encoding.UTF8.GetBytes(
            $"{{\"architecture\":\"{architecture}\"{variantField},\"os\":\"linux\",\"config\":{{\"Cmd\":[\"/bin/sh\"]}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{diffId}\"]}}}}");
        var configBlob = new TestBlob(Descriptor.ForContent(MediaTypes.OciConfig, config), config);
        var manifest = OciJson.Serialize(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = configBlob.Descriptor,
            Layers = [layer.Descriptor],
        });
        return new TestImage(configBlob, layer, manifest, Digest.Sha256(manifest));
    }

    public Descriptor ManifestDescriptor(Platform? platform = null) => new()
    {
        MediaType = MediaTypes.OciManifest,
        Digest = ManifestDigest,
        Size = Manifest.Length,
        Platform = platform,
    };

    /// <summary>Pushes the blobs and the manifest under <paramref name="reference"/>.</summary>
    public async Task PushAsync(RegistryClient client, string repository, string reference)
    {
        await client.PushBlobAsync(repository, Layer.Descriptor, Layer.Content);
        await client.PushBlobAsync(repository, Config.Descriptor, Config.Content);
        await client.PushManifestAsync(repository, reference, Manifest, MediaTypes.OciManifest);
    }
}
