using ImageBuilder.Application;
using ImageBuilder.Cli.Commands;
using ImageBuilder.Core.Layers.Report;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Cli.Tests;

/// <summary>How <c>history</c> and <c>inspect --layers</c> print: docker's units and columns, the report's lines, one-line errors.</summary>
[Collection(CliEnvironment.Name)]
public sealed class LayerReportRenderingTests : IDisposable
{
    private readonly TempDirectory dir = new("ibuild-cli-layers-");

    public void Dispose() => dir.Dispose();

    [Theory]
    [InlineData(0, "0B")]
    [InlineData(999, "999B")]
    [InlineData(1000, "1kB")]
    [InlineData(1234, "1.23kB")]
    [InlineData(10_485_760, "10.5MB")]
    [InlineData(123_456_789, "123MB")]
    [InlineData(999_600, "1e+03kB")] // Go's %.3g rounds up into an exponent, and so does docker
    public void Sizes_are_go_units_human_sizes(long bytes, string expected) => Assert.Equal(expected, DockerUnits.HumanSize(bytes));

    [Theory]
    [InlineData(0.5, "Less than a second ago")]
    [InlineData(45, "45 seconds ago")]
    [InlineData(90, "About a minute ago")]
    [InlineData(2 * 3600, "2 hours ago")]
    [InlineData(3 * 86400, "3 days ago")]
    [InlineData(20 * 86400, "2 weeks ago")]
    [InlineData(100 * 86400, "3 months ago")]
    [InlineData(800 * 86400, "2 years ago")]
    public void Ages_are_go_units_human_durations(double seconds, string expected) =>
        Assert.Equal(expected, DockerUnits.Ago(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Created_by_is_cut_to_45_characters_with_an_ellipsis_and_columns_pad_as_docker_does()
    {
        var text = "RUN /bin/sh -c dd if=/dev/zero of=/big.bin bs=1M count=10";
        Assert.Equal("RUN /bin/sh -c dd if=/dev/zero of=/big.bin b…", DockerUnits.Ellipsis(text, 45));
        Assert.Equal("short", DockerUnits.Ellipsis("short", 45));

        var lines = DockerUnits.Table([["IMAGE", "SIZE", "COMMENT"], ["4dc593daa621", "6B", "x"]]).ToList();

        Assert.Equal(["IMAGE          SIZE      COMMENT", "4dc593daa621   6B        x"], lines);
    }

    [Fact]
    public void The_text_report_names_wasted_files_the_layer_that_hid_them_and_the_totals()
    {
        var digest = Digest.Sha256("layer"u8);
        var blob = new Descriptor { MediaType = MediaTypes.OciLayer, Digest = digest, Size = 10 };
        var layers = new[]
        {
            new LayerReport(0, digest, blob, null, 2048, 1000, 2, new HistoryEntry { CreatedBy = "RUN make" },
                [new LayerFile("big.bin", 1000)], 1000, [new HiddenFile(0, "big.bin", 1000, 1, HidingKind.Deleted)]),
            new LayerReport(1, digest, blob, 1536, 1536, 0, 1, null, [], 0, []),
        };
        var image = new ImageRecord(
            blob,
            new ImageManifest { Config = blob, Layers = [blob, blob] },
            new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { Type = "layers", DiffIds = [digest, digest] } },
            []);

        var text = LayersOutput.Text(new ImageLayers(image, new ImageLayersReport(layers, 1000, 3584, 1000, 0.0)));

        Assert.Contains("  Created by: RUN make\n", text);
        Assert.Contains("  Size: 1kB in 2 entries; uncompressed tar 2.05kB, no blob yet (kept as its snapshot)\n", text);
        Assert.Contains("        1kB  /big.bin  (deleted by layer 2)\n", text);
        Assert.Contains("  Created by: (no history)\n", text);
        Assert.Contains("uncompressed tar 1.54kB, blob 1.54kB\n", text);
        Assert.EndsWith("Wasted: 1kB (100 % of the files' bytes)\nEfficiency: 0 % (dive's score)", text);
    }

    [Theory]
    [InlineData(2, "inspect", "--layers", "--top", "0", "app:1")]
    [InlineData(2, "inspect", "--layers", "--format", "yaml", "app:1")]
    [InlineData(2, "inspect", "--top", "3", "app:1")]
    [InlineData(2, "history")]
    [InlineData(2, "history", "--format", "yaml", "app:1")]
    [InlineData(1, "history", "nosuch:1")]
    [InlineData(1, "inspect", "--layers", "nosuch:1")]
    public async Task Bad_input_is_one_line_and_an_exit_code(int expected, params string[] args)
    {
        var (code, output, error) = await CliEnvironment.RunAsync(TextReader.Null, ["--root", dir.Combine("store"), .. args]);

        Assert.Equal(expected, code);
        Assert.Equal("", output);
        Assert.StartsWith("ibuild: ", error);
        Assert.DoesNotContain("   at ", error);
    }
}
