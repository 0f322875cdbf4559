using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary>
/// <c>ibuild load</c> of an archive that <c>ibuild save</c> wrote and someone damaged, into the store
/// that has the image already (so every layer's snapshot exists): refused with one line and exit 1;
/// the tag keeps its image, the store stays whole, and <c>save</c> of the image still loads into an
/// empty store.
/// </summary>
public sealed class ImageLoadDamageTests : IDisposable
{
    private readonly BuildFixture fixture = new();
    private readonly TempDirectory dir = new("ibuild-it-damage-");

    public void Dispose()
    {
        dir.Dispose();
        fixture.Dispose();
    }

    public static TheoryData<string, string> Damages => new()
    {
        { "empty layer", "holds the tar sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855, but the config's diff_ids[1] is" },
        { "swapped layers", "but the config's diff_ids[0] is" },
        { "truncated gzip", "layer 1 (sha256:" },
        { "config as a layer", "layer 1 (sha256:" },
        { "config digest mismatch", "is damaged: its content has digest" },
        { "wrong size", "bytes, but its descriptor says" },
        { "text/plain media type", "has media type \"text/plain\", which is not a layer type" },
        { "[null]", "manifest.json[0] is null" },
        { "Config null", "manifest.json[0].Config is null" },
        { "Layers [null]", "manifest.json[0].Layers[0] is null" },
    };

    [RootTheory]
    [MemberData(nameof(Damages))]
    public async Task A_damaged_archive_loaded_over_the_image_is_refused_and_the_tag_keeps_its_image(string damage, string reason)
    {
        await fixture.ImportBaseAsync();
        fixture.Write("app.txt", "the app\n");
        (await fixture.BuildAsync("FROM box:1\nCOPY app.txt /app.txt\n", "-t", "app:1")).Ok();
        var id = await fixture.IdAsync("app:1");
        var layers = await fixture.LayersAsync("app:1");
        var oci = damage is "wrong size" or "text/plain media type";
        var files = dir.Combine("files");
        (await Tools.Ibuild(["--root", fixture.Store, "save", .. oci ? new[] { "--format", "oci" } : [], "-o", dir.Combine("good.tar"), "app:1"])).Ok();
        await TarFile.ExtractToDirectoryAsync(dir.Combine("good.tar"), Directory.CreateDirectory(files).FullName, overwriteFiles: false);
        Damage(files, damage);
        await TarFile.CreateFromDirectoryAsync(files, dir.Combine("damaged.tar"), includeBaseDirectory: false);
        var snapshots = Directory.GetDirectories(Path.Combine(fixture.Store, "ibuild", "snapshots")).Order().ToList();

        var load = await Tools.Ibuild("--root", fixture.Store, "load", "-i", dir.Combine("damaged.tar"));

        Assert.Equal(1, load.ExitCode);
        Assert.StartsWith("ibuild: ", load.Stderr);
        Assert.Single(load.Stderr.TrimEnd('\n').Split('\n'));
        Assert.Contains(reason, load.Stderr);
        Assert.DoesNotContain("internal error", load.Stderr);
        Assert.Equal(id, await fixture.IdAsync("app:1"));
        Assert.Equal(layers, await fixture.LayersAsync("app:1"));
        Assert.Equal(snapshots, Directory.GetDirectories(Path.Combine(fixture.Store, "ibuild", "snapshots")).Order().ToList());
        fixture.AssertNothingLeft();

        // The image is whole: saved again, it loads into an empty store (which checks every layer).
        (await Tools.Ibuild("--root", fixture.Store, "save", "-o", dir.Combine("again.tar"), "app:1")).Ok();
        var fresh = dir.Combine("fresh");
        (await Tools.Ibuild("--root", fresh, "load", "-i", dir.Combine("again.tar"))).Ok();
        var inspect = JsonNode.Parse((await Tools.Ibuild("--root", fresh, "inspect", "app:1")).Ok().Stdout)!;
        Assert.Equal(id, inspect["Id"]!.GetValue<string>());
    }

    /// <summary>Damages the extracted archive in <paramref name="files"/>, keeping it self-consistent where a check could otherwise catch it early.</summary>
    private static void Damage(string files, string damage)
    {
        var manifestJson = Path.Combine(files, "manifest.json");
        var entry = File.Exists(manifestJson) ? JsonNode.Parse(File.ReadAllText(manifestJson))![0]! : null;
        var layers = entry?["Layers"]!.AsArray().Select(l => l!.GetValue<string>()).ToList();
        var config = entry?["Config"]!.GetValue<string>();
        switch (damage)
        {
            case "empty layer":
                SetLayers(layers![0], AddBlob(files, []));
                break;
            case "swapped layers":
                SetLayers(layers![1], layers[0]);
                break;
            case "truncated gzip":
                using (var gzip = new MemoryStream())
                {
                    using (var compress = new System.IO.Compression.GZipStream(gzip, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
                    {
                        compress.Write(File.ReadAllBytes(Path.Combine(files, layers![0])));
                    }

                    SetLayers(AddBlob(files, gzip.ToArray()[..^100]), layers[1]);
                }

                break;
            case "config as a layer":
                SetLayers(config!, layers![1]);
                break;
            case "config digest mismatch":
                File.AppendAllText(Path.Combine(files, config!), "\n"); // still a valid config, no longer the bytes its name promises
                break;
            case "wrong size":
                ChangeOciManifest(files, m => m["layers"]![1]!["size"] = m["layers"]![1]!["size"]!.GetValue<long>() + 1);
                break;
            case "text/plain media type":
                ChangeOciManifest(files, m => m["layers"]![1]!["mediaType"] = "text/plain");
                break;
            case "[null]":
                File.WriteAllText(manifestJson, "[null]");
                break;
            case "Config null":
                entry!["Config"] = null;
                File.WriteAllText(manifestJson, new JsonArray(entry.DeepClone()).ToJsonString());
                break;
            case "Layers [null]":
                entry!["Layers"] = new JsonArray((JsonNode?)null);
                File.WriteAllText(manifestJson, new JsonArray(entry.DeepClone()).ToJsonString());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(damage), damage, null);
        }

        void SetLayers(string first, string second)
        {
            entry!["Layers"] = new JsonArray(first, second);
            File.WriteAllText(manifestJson, new JsonArray(entry.DeepClone()).ToJsonString());
        }
    }

    private static string AddBlob(string files, byte[] content)
    {
        var name = $"blobs/sha256/{Convert.ToHexStringLower(SHA256.HashData(content))}";
        File.WriteAllBytes(Path.Combine(files, name), content);
        return name;
    }

    /// <summary>Rewrites the OCI manifest that index.json names (its new digest and size in index.json).</summary>
    private static void ChangeOciManifest(string files, Action<JsonNode> change)
    {
        var indexPath = Path.Combine(files, "index.json");
        var index = JsonNode.Parse(File.ReadAllText(indexPath))!;
        var descriptor = index["manifests"]![0]!;
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(files, "blobs", "sha256", descriptor["digest"]!.GetValue<string>()[7..])))!;
        change(manifest);
        var bytes = Encoding.UTF8.GetBytes(manifest.ToJsonString());
        descriptor["digest"] = AddBlob(files, bytes).Replace("blobs/sha256/", "sha256:", StringComparison.Ordinal);
        descriptor["size"] = bytes.Length;
        File.WriteAllText(indexPath, index.ToJsonString());
    }
}
