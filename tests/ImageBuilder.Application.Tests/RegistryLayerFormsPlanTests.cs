using System.IO.Abstractions;
using System.Text;
using ImageBuilder.Application.Registries;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.References;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Application.Tests;

/// <summary>
/// Which layers of a push wait for the registry's own form of them: only those an image named in
/// the destination's registry holds. A build's own layers compress and upload at once.
/// </summary>
public sealed class RegistryLayerFormsPlanTests : IDisposable
{
    private readonly TempDirectory dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public void Only_the_layers_an_image_named_in_the_destination_registry_holds_wait_for_the_lookup()
    {
        var store = ContentStore.Open(new FileSystem(), dir.Combine("store"));
        byte[] baseLayer = Encoding.UTF8.GetBytes("the base's tar"), own = Encoding.UTF8.GetBytes("the build's tar");
        StoreImage(store, [baseLayer], "127.0.0.1:5000/busybox:latest", "127.0.0.1:6000/busybox:latest");
        StoreImage(store, [Encoding.UTF8.GetBytes("another registry's")], "127.0.0.1:6000/other:1");
        var app = StoreImage(store, [baseLayer, own], "app:1");

        var plan = new RegistryLayerForms(store).Plan(app, ImageReference.Parse("127.0.0.1:5000/app:1"));

        Assert.Equal([Digest.Sha256(baseLayer)], plan.Wanted);
        Assert.Equal(["127.0.0.1:5000/busybox:latest"], plan.Candidates.Select(c => c.ToString()));
    }

    [Fact]
    public void Nothing_waits_when_no_image_of_the_destination_registry_holds_a_layer()
    {
        var store = ContentStore.Open(new FileSystem(), dir.Combine("store"));
        var app = StoreImage(store, [Encoding.UTF8.GetBytes("base"), Encoding.UTF8.GetBytes("own")], "127.0.0.1:5000/app:1", "app:1");

        // The destination itself is what the push makes: not a candidate.
        var plan = new RegistryLayerForms(store).Plan(app, ImageReference.Parse("127.0.0.1:5000/app:1"));

        Assert.Empty(plan.Wanted);
        Assert.Empty(plan.Candidates);
    }

    /// <summary>An image of uncompressed layers (their bytes stand for tars), stored and tagged with each name.</summary>
    private static ImageRecord StoreImage(ContentStore store, byte[][] layers, params string[] names)
    {
        var diffIds = string.Join(",", layers.Select(l => $"\"{Digest.Sha256(l)}\""));
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{{}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[{diffIds}]}}}}");
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(config), Size = config.Length },
            Layers = [.. layers.Select(l => new Descriptor { MediaType = MediaTypes.OciLayer, Digest = store.WriteBlob(l), Size = l.Length })],
        };
        var bytes = OciJson.Serialize(manifest);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = store.WriteBlob(bytes), Size = bytes.Length };
        foreach (var name in names)
        {
            store.Tag(descriptor, ImageReference.Parse(name));
        }

        return store.ResolveImage(names[0]);
    }
}
