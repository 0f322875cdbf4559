using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests;

/// <summary><c>inspect --layers</c> and <c>history</c> of a real build, checked against the layer blobs and the config skopeo reads.</summary>
public sealed class LayerReportTests : IDisposable
{
    private const string Dockerfile = """
        FROM box:1
        RUN dd if=/dev/zero of=/big.bin bs=1M count=10 2>/dev/null
        RUN rm /big.bin
        ENV GREETING=hello
        RUN echo "$GREETING" > /greeting
        """;

    private readonly BuildFixture fixture = new();

    public void Dispose() => fixture.Dispose();

    [RootFact]
    public async Task A_file_the_next_layer_deletes_is_reported_wasted_by_name_and_sizes_agree_with_the_blobs()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync(Dockerfile, "-t", "app:1")).Ok();

        // Built layers not written as blobs yet are read from their snapshots ...
        var fromSnapshots = await ReportAsync();
        var big = fromSnapshots.GetProperty("Layers")[1];
        Assert.Equal(10 * 1024 * 1024, big.GetProperty("WastedBytes").GetInt64());
        var wasted = Assert.Single(big.GetProperty("WastedFiles").EnumerateArray());
        Assert.Equal("/big.bin", wasted.GetProperty("Path").GetString());
        Assert.Equal("deleted", wasted.GetProperty("How").GetString());
        Assert.Equal(2, wasted.GetProperty("HiddenByLayer").GetInt32());
        Assert.Equal(10 * 1024 * 1024, fromSnapshots.GetProperty("WastedBytes").GetInt64());
        Assert.Equal(JsonValueKind.Null, big.GetProperty("BlobSize").ValueKind);

        // ... and, once a save wrote the blobs, from the blobs: the same report, and each tar's
        // length and digest are the blob's (uncompressed, or the base's gzip blob decompressed).
        (await fixture.Ibuild("--root", fixture.Store, "save", "-o", "/dev/null", "app:1")).Ok();
        var fromBlobs = await ReportAsync();
        foreach (var layer in fromBlobs.GetProperty("Layers").EnumerateArray())
        {
            var blob = File.ReadAllBytes(BlobFile(layer.GetProperty("Digest").GetString()!));
            Assert.Equal(blob.Length, layer.GetProperty("BlobSize").GetInt64());
            var tar = layer.GetProperty("MediaType").GetString()!.EndsWith("gzip", StringComparison.Ordinal) ? Gunzip(blob) : blob;
            Assert.Equal(tar.Length, layer.GetProperty("TarSize").GetInt64());
            Assert.Equal(layer.GetProperty("DiffId").GetString(), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(tar)));
        }

        Assert.Equal(Strip(fromSnapshots), Strip(fromBlobs));
        var text = (await fixture.Ibuild("--root", fixture.Store, "inspect", "--layers", "app:1")).Ok().Stdout;
        Assert.Contains("10.5MB  /big.bin  (deleted by layer 3)", text);
    }

    [RootFact]
    public async Task History_lists_the_configs_history_newest_first_with_layer_sizes()
    {
        await fixture.ImportBaseAsync();
        (await fixture.BuildAsync(Dockerfile, "-t", "app:1")).Ok();
        var config = await fixture.ConfigWithSkopeoAsync("app:1");
        var history = config.GetProperty("history").EnumerateArray().Reverse().ToList();

        var rows = (await fixture.Ibuild("--root", fixture.Store, "history", "--no-trunc", "--human=false", "--format", "json", "app:1")).Ok().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();

        Assert.Equal(history.Select(h => h.GetProperty("created_by").GetString()), rows.Select(r => r.GetProperty("CreatedBy").GetString()));
        Assert.Equal(await fixture.IdAsync("app:1"), rows[0].GetProperty("ID").GetString());
        Assert.All(rows.Skip(1), r => Assert.Equal("<missing>", r.GetProperty("ID").GetString()));
        Assert.Equal(["6", "0", "0", "10485760"], rows.Take(4).Select(r => r.GetProperty("Size").GetString()));

        var table = (await fixture.Ibuild("--root", fixture.Store, "history", "app:1")).Ok().Stdout.Split('\n');
        Assert.StartsWith("IMAGE          CREATED", table[0]);
        Assert.Contains("RUN /bin/sh -c dd if=/dev/zero of=/big.bin b…   10.5MB", table[4]);
    }

    private async Task<JsonElement> ReportAsync() =>
        JsonDocument.Parse((await fixture.Ibuild("--root", fixture.Store, "inspect", "--layers", "--format", "json", "app:1")).Ok().Stdout).RootElement.Clone();

    /// <summary>The report without what a save changes (whether a blob file exists).</summary>
    private static string Strip(JsonElement report) =>
        string.Join('\n', report.GetProperty("Layers").EnumerateArray().Select(l =>
            $"{l.GetProperty("DiffId")} {l.GetProperty("Size")} {l.GetProperty("TarSize")} {l.GetProperty("WastedBytes")} {l.GetProperty("LargestFiles")}"))
        + $" {report.GetProperty("Efficiency")}";

    private string BlobFile(string digest) => Path.Combine(fixture.Store, "blobs", "sha256", digest["sha256:".Length..]);

    private static byte[] Gunzip(byte[] blob)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(new MemoryStream(blob), CompressionMode.Decompress))
        {
            gzip.CopyTo(output);
        }

        return output.ToArray();
    }
}
