using ImageBuilder.Core.Layers.Report;
using ImageBuilder.Core.Oci;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Core.Tests.Layers.Report;

public sealed class ImageLayersReportTests
{
    [Fact]
    public async Task A_file_a_later_layer_deletes_is_wasted_and_named()
    {
        var report = await ReportAsync(
            new RawTar().Directory("etc/").File("etc/os-release", "debian"),
            new RawTar().Directory("tmp/").Header(new RawTarHeader("tmp/big", '0'), new byte[10_000]),
            new RawTar().Directory("tmp/").Header(new RawTarHeader("tmp/.wh.big", '0')));

        Assert.Equal([0L, 10_000L, 0L], report.Layers.Select(l => l.WastedBytes));
        var wasted = Assert.Single(report.Layers[1].WastedFiles);
        Assert.Equal(new HiddenFile(1, "tmp/big", 10_000, 2, HidingKind.Deleted), wasted);
        Assert.Equal(10_000, report.WastedBytes);
        Assert.Equal(10_006, report.Size);
        Assert.Equal(6.0 / 10_006, report.Efficiency, 9);
    }

    [Fact]
    public async Task A_file_a_later_layer_writes_again_is_wasted_once()
    {
        var report = await ReportAsync(
            new RawTar().Header(new RawTarHeader("app.bin", '0'), new byte[3000]),
            new RawTar().Header(new RawTarHeader("app.bin", '0'), new byte[2000]));

        Assert.Equal(new HiddenFile(0, "app.bin", 3000, 1, HidingKind.Overwritten), Assert.Single(report.Layers[0].WastedFiles));
        Assert.Equal(0, report.Layers[1].WastedBytes);
        Assert.Equal(3000, report.WastedBytes);
        // dive: the path seen at 3000 and 2000 keeps 2000 of 5000.
        Assert.Equal(0.4, report.Efficiency, 6);
    }

    [Fact]
    public async Task An_opaque_directory_hides_what_lower_layers_hold_under_it_but_not_its_own_files()
    {
        var report = await ReportAsync(
            new RawTar().Directory("var/").Directory("var/cache/").File("var/cache/a", "aaaa").File("var/cache/sub/b", "bb").File("var/keep", "k"),
            new RawTar().Directory("var/cache/").Header(new RawTarHeader("var/cache/.wh..wh..opq", '0')).File("var/cache/new", "nnn"));

        Assert.Equal(["var/cache/a", "var/cache/sub/b"], report.Layers[0].WastedFiles.Select(w => w.Path).Order(StringComparer.Ordinal));
        Assert.All(report.Layers[0].WastedFiles, w => Assert.Equal(HidingKind.Deleted, w.How));
        Assert.Equal(6, report.Layers[0].WastedBytes);
        Assert.Equal(0, report.Layers[1].WastedBytes);
    }

    [Fact]
    public async Task A_deleted_directory_wastes_everything_below_it()
    {
        var report = await ReportAsync(
            new RawTar().Directory("src/").File("src/a.c", "12345").File("src/lib/b.c", "123").File("srcs", "not below"),
            new RawTar().Header(new RawTarHeader(".wh.src", '0')));

        Assert.Equal(8, report.WastedBytes);
        Assert.DoesNotContain(report.Layers[0].WastedFiles, w => w.Path == "srcs");
        // dive sizes a directory's whiteout by what it deletes (8 bytes), but "src" itself was no
        // leaf before, so the path is seen once and dive's score does not drop.
        Assert.Equal(1.0, report.Efficiency);
    }

    [Fact]
    public async Task Hard_links_share_their_bytes_which_are_wasted_only_when_every_name_goes()
    {
        var oneNameDeleted = await ReportAsync(
            new RawTar().Header(new RawTarHeader("bin/tool", '0'), new byte[500]).Hardlink("bin/alias", "bin/tool"),
            new RawTar().Header(new RawTarHeader("bin/.wh.tool", '0')));
        var bothDeleted = await ReportAsync(
            new RawTar().Header(new RawTarHeader("bin/tool", '0'), new byte[500]).Hardlink("bin/alias", "bin/tool"),
            new RawTar().Header(new RawTarHeader("bin/.wh.tool", '0')).Header(new RawTarHeader("bin/.wh.alias", '0')));

        Assert.Equal(500, oneNameDeleted.Layers[0].Size); // the link adds no bytes
        Assert.Equal(0, oneNameDeleted.WastedBytes);
        Assert.Equal(500, bothDeleted.WastedBytes);
    }

    [Fact]
    public async Task A_whiteout_hides_only_lower_layers_and_a_directory_replaced_by_a_file_wastes_its_content()
    {
        var report = await ReportAsync(
            new RawTar().Directory("data/").File("data/x", "xxxx"),
            new RawTar().File("data", "now a file").Header(new RawTarHeader(".wh.other", '0')).File("other", "o"));

        Assert.Equal(new HiddenFile(0, "data/x", 4, 1, HidingKind.Overwritten), Assert.Single(report.Layers[0].WastedFiles));
        Assert.Equal(0, report.Layers[1].WastedBytes);
    }

    [Fact]
    public async Task Sizes_count_file_bytes_and_symlink_targets_and_the_tar_length_and_list_the_largest_files()
    {
        var tar = new RawTar().Directory("d/").File("d/a", "aaaaa").File("d/b", "bb").File("d/c", "ccc").Symlink("d/l", "a");
        var report = await ReportAsync(tar);

        var layer = report.Layers[0];
        Assert.Equal(11, layer.Size);
        Assert.Equal(tar.ToArray().Length, layer.TarSize);
        Assert.Equal(5, layer.Entries);
        Assert.Equal([new LayerFile("d/a", 5), new LayerFile("d/c", 3)], layer.LargestFiles.Take(2));
        Assert.Equal(1.0, report.Efficiency);
    }

    [Fact]
    public async Task Largest_and_wasted_lists_keep_the_top_n()
    {
        var tar = new RawTar();
        for (var i = 1; i <= 8; i++)
        {
            tar.Header(new RawTarHeader($"f{i}", '0'), new byte[i * 10]);
        }

        var layers = new[] { await LayerAsync(tar), await LayerAsync(new RawTar().Header(new RawTarHeader(".wh.f1", '0'))) };
        var report = ImageLayersReport.Build(layers, top: 3);

        Assert.Equal(["f8", "f7", "f6"], report.Layers[0].LargestFiles.Select(f => f.Path));
        Assert.Equal(10, report.WastedBytes);
    }

    [Fact]
    public void History_pairs_non_empty_entries_with_layers_in_order()
    {
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { Type = "layers", DiffIds = [Digest.Sha256("a"u8), Digest.Sha256("b"u8), Digest.Sha256("c"u8)] },
            History =
            [
                new HistoryEntry { CreatedBy = "base" },
                new HistoryEntry { CreatedBy = "ENV A=1", EmptyLayer = true },
                new HistoryEntry { CreatedBy = "RUN make" },
            ],
        };

        var pairs = ImageHistory.Pair(config);

        Assert.Equal([(int?)0, null, 1, 2], pairs.Select(p => p.Layer));
        Assert.Equal(["base", "RUN make", null], ImageHistory.ForLayers(config).Select(h => h?.CreatedBy));
    }

    private static async Task<ImageLayersReport> ReportAsync(params RawTar[] tars)
    {
        var layers = new List<LayerSource>();
        foreach (var tar in tars)
        {
            layers.Add(await LayerAsync(tar));
        }

        return ImageLayersReport.Build(layers, top: 5);
    }

    private static async Task<LayerSource> LayerAsync(RawTar tar)
    {
        var bytes = tar.ToArray();
        var listing = await LayerListing.ReadAsync(new MemoryStream(bytes), CancellationToken.None);
        var digest = Digest.Sha256(bytes);
        return new LayerSource(digest, new Descriptor { MediaType = MediaTypes.OciLayer, Digest = digest, Size = bytes.Length }, bytes.Length, null, listing);
    }
}
