using System.Text;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// overlayfs stacks at most 500 lower layers (OVL_MAX_STACK): a build refuses, before it runs, a
/// step that would mount more or add layer 501 (IB2011, located), and <c>ibuild run</c> says the
/// same of an image that has more. Images are made of many tiny layers, loaded from an OCI layout.
/// </summary>
public sealed class LayerLimitTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory dir = new("ibuild-it-layers-");

    public void Dispose()
    {
        fixture.Dispose();
        dir.Dispose();
    }

    [RootFact]
    public async Task An_image_of_501_layers_is_refused_where_it_would_be_mounted_with_IB2011()
    {
        await LoadAsync("big:1", 501);

        var run = await fixture.BuildAsync("FROM big:1\nLABEL stage=one\nRUN true\n");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains(
            "Dockerfile:3:1: IB2011: RUN needs the 501 layers below it mounted, but overlayfs stacks at most 500 (OVL_MAX_STACK)", run.Stderr);
        Assert.Contains("hint: combine steps", run.Stderr);
        Assert.DoesNotContain("lowerdir", run.Stderr);

        var copy = await fixture.BuildAsync("FROM box:1\nCOPY --from=big:1 /l1 /l1\n");
        Assert.Equal(1, copy.ExitCode);
        Assert.Contains("Dockerfile:2:1: IB2011: COPY --from image has 501 layers, but overlayfs stacks at most 500", copy.Stderr);

        // Nothing needs the layers mounted: the image is built (its config changes, its layers stay).
        (await fixture.BuildAsync("FROM big:1\nLABEL stage=two\n", "-t", "big:2")).Ok();

        // Exporting its file system would mount it: one line with the code, no internal error.
        var tar = dir.Combine("big.tar");
        var export = await fixture.BuildAsync("FROM big:1\nLABEL stage=two\n", "-o", $"type=tar,dest={tar}");
        Assert.Equal(1, export.ExitCode);
        Assert.Contains("ibuild: IB2011: --output type=tar: the image has 501 layers, but overlayfs stacks at most 500", export.Stderr);
        Assert.DoesNotContain("internal error", export.Stderr);
        fixture.AssertNothingLeft();

        var refused = await Tools.Ibuild("--root", fixture.Store, "run", "big:2", "true");
        Assert.Equal(125, refused.ExitCode);
        Assert.StartsWith("ibuild: run: IB2011: big:2 has 501 layers, but overlayfs stacks at most 500 (OVL_MAX_STACK)", refused.Stderr);
        Assert.DoesNotContain("lowerdir", refused.Stderr);
    }

    [RootFact]
    public async Task Layer_500_is_built_and_runs_but_a_step_that_would_add_layer_501_is_refused_before_it_runs()
    {
        await LoadAsync("tall:1", 499);

        (await fixture.BuildAsync("FROM tall:1\nRUN echo 500 > /l500\n", "-t", "edge:1")).Ok();
        Assert.Equal(500, (await fixture.LayersAsync("edge:1")).Count);
        Assert.Equal("1\n498\n500\n", (await Tools.Ibuild("--root", fixture.Store, "run", "edge:1", "cat", "/l1", "/l498", "/l500")).Ok().Stdout);

        var refused = await fixture.BuildAsync("FROM edge:1\nRUN echo ran > /proof\n", "-t", "over:1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(
            "Dockerfile:2:1: IB2011: RUN would add layer 501, but overlayfs stacks at most 500 layers (OVL_MAX_STACK): the image could not be run",
            refused.Stderr);
        Assert.DoesNotContain("[2/2] RUN", refused.Stderr);
        Assert.Contains("no image \"over:1\"", (await Tools.Ibuild("--root", fixture.Store, "inspect", "over:1")).Stderr);
        fixture.AssertNothingLeft();
    }

    /// <summary>Loads an image of <paramref name="layers"/> layers: the busybox root fs, then tiny ones each adding /lN.</summary>
    private async Task LoadAsync(string name, int layers)
    {
        await fixture.ImportBaseAsync();
        var layout = Directory.CreateDirectory(dir.Combine(name.Replace(':', '-'))).FullName;
        var blobs = Directory.CreateDirectory(Path.Combine(layout, "blobs", "sha256")).FullName;
        Descriptor Write(byte[] content, string mediaType)
        {
            var digest = Digest.Sha256(content);
            File.WriteAllBytes(Path.Combine(blobs, digest.Encoded), content);
            return new Descriptor { MediaType = mediaType, Digest = digest, Size = content.Length };
        }

        var tars = new List<byte[]> { await File.ReadAllBytesAsync(await BusyboxRootfs.PathAsync()) };
        for (var i = 1; i < layers; i++)
        {
            tars.Add(new RawTar().File($"l{i}", $"{i}\n").ToArray());
        }

        var layerType = MediaTypes.OciLayerFor(LayerCompression.None);
        var config = Write(OciJson.Serialize(new ImageConfig
        {
            Architecture = Platform.Current.Architecture,
            Os = "linux",
            Config = new ExecutionConfig { Env = ["PATH=/bin:/sbin:/usr/bin:/usr/sbin"], Cmd = ["sh"] },
            RootFs = new RootFs { DiffIds = tars.Select(t => Digest.Sha256(t)).ToList() },
        }), MediaTypes.OciConfig);
        var manifest = Write(OciJson.Serialize(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = config,
            Layers = tars.Select(t => Write(t, layerType)).ToList(),
        }), MediaTypes.OciManifest);
        var index = new ImageIndex
        {
            MediaType = MediaTypes.OciIndex,
            Manifests = [manifest with { Annotations = new Dictionary<string, string> { ["org.opencontainers.image.ref.name"] = name } }],
        };
        File.WriteAllBytes(Path.Combine(layout, "index.json"), OciJson.Serialize(index));
        File.WriteAllText(Path.Combine(layout, "oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}", Encoding.ASCII);
        (await Tools.Ibuild("--root", fixture.Store, "load", "-i", layout)).Ok();
    }
}
