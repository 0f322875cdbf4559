using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;

namespace ImageBuilder.Core.Tests.Store;

/// <summary>Small images written straight into a store (a one-layer manifest, its config and blobs), untagged.</summary>
internal static class StoredImages
{
    /// <summary>An image whose one layer holds <paramref name="marker"/>, for <c>linux/<paramref name="architecture"/></c>.</summary>
    public static ImageRecord Write(ContentStore store, string marker, string architecture = "amd64")
    {
        var layerBytes = Encoding.UTF8.GetBytes("layer " + marker);
        var layer = store.WriteBlob(layerBytes);
        var config = new ImageConfig { Architecture = architecture, Os = "linux", RootFs = new RootFs { DiffIds = [layer] } };
        var configBytes = OciJson.Serialize(config);
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(configBytes), Size = configBytes.Length },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = layer, Size = layerBytes.Length }],
        };
        var bytes = OciJson.Serialize(manifest);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = store.WriteBlob(bytes), Size = bytes.Length };
        return new ImageRecord(descriptor, manifest, config, []);
    }
}
