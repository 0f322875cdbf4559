using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;

namespace ImageBuilder.Core.Tests.Layers;

public sealed class LayerPackerTarTests
{
    [Fact]
    public async Task Entries_come_in_the_readers_order_with_directory_slashes_and_no_dot_prefix()
    {
        var entries = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries();

        Assert.Equal(
            [
                "bin/", "bin/ping", "bin/sg", "bin/sh", "dev/", "dev/fifo", "dev/null", "dev/sda",
                "etc/", "etc/.wh..wh..opq", "etc/.wh.gone", "etc/hosts", "etc/hosts.link", "tmp/",
                SampleTrees.LongName, SampleTrees.VeryLongName, SampleTrees.NonAsciiName, "tmp/link-to-long", "tmp/ünïcode-link",
            ],
            entries.Select(e => e.Name));
    }

    [Fact]
    public async Task Types_modes_owners_devices_and_link_targets_are_written_as_read()
    {
        var entries = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries().ToDictionary(e => e.Name);

        Assert.Equal(('5', 0x1ED, 0L, 0L), Shape(entries["bin/"]));
        Assert.Equal(('0', 0x9ED, 0L, 0L), Shape(entries["bin/ping"])); // setuid kept
        Assert.Equal(('0', 0x5ED, 0L, 42L), Shape(entries["bin/sg"])); // setgid kept
        Assert.Equal(('5', 0x3FF, 0L, 0L), Shape(entries["tmp/"])); // sticky kept
        Assert.Equal(('2', "/bin/busybox"), (entries["bin/sh"].TypeFlag, entries["bin/sh"].LinkName));
        Assert.Equal(('6', 0L), (entries["dev/fifo"].TypeFlag, entries["dev/fifo"].Size));
        Assert.Equal(('3', 1, 3), (entries["dev/null"].TypeFlag, entries["dev/null"].DeviceMajor, entries["dev/null"].DeviceMinor));
        Assert.Equal(('4', 8, 0, 6L), (entries["dev/sda"].TypeFlag, entries["dev/sda"].DeviceMajor, entries["dev/sda"].DeviceMinor, entries["dev/sda"].Gid));
        Assert.Equal(('0', 0x1A4, 1000L, 1000L), Shape(entries["etc/hosts"]));
        Assert.Equal("127.0.0.1 localhost\n", Encoding.UTF8.GetString(entries["etc/hosts"].Content));
        Assert.Equal("very long", Encoding.UTF8.GetString(entries[SampleTrees.VeryLongName].Content));
        Assert.Equal("../" + SampleTrees.VeryLongName, entries["tmp/link-to-long"].LinkName);
        Assert.Equal(SampleTrees.NonAsciiName, entries["tmp/ünïcode-link"].LinkName);
        Assert.All(entries.Values, e => Assert.Equal(("", ""), (e.UserName, e.GroupName)));
        Assert.All(entries.Values, e => Assert.Equal(FakeFileTree.Time.ToUnixTimeSeconds(), e.ModificationTime));
    }

    [Fact]
    public async Task Hardlinks_are_link_entries_to_the_first_name_without_content()
    {
        var link = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries().Single(e => e.Name == "etc/hosts.link");

        Assert.Equal(('1', "etc/hosts", 0L), (link.TypeFlag, link.LinkName, link.Size));
    }

    [Fact]
    public async Task Whiteouts_are_empty_regular_files_and_the_opaque_marker_follows_its_directory()
    {
        var entries = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries();
        var directory = entries.FindIndex(e => e.Name == "etc/");

        var marker = entries[directory + 1];
        Assert.Equal(("etc/.wh..wh..opq", '0', 0L), (marker.Name, marker.TypeFlag, marker.Size));
        var whiteout = entries[directory + 2];
        Assert.Equal(("etc/.wh.gone", '0', 0L, 0x180), (whiteout.Name, whiteout.TypeFlag, whiteout.Size, whiteout.Mode));
    }

    [Fact]
    public async Task A_whiteout_at_the_root_has_no_directory_part()
    {
        var tree = new FakeFileTree().Add(new FileTreeEntry { Path = "gone", Kind = FileTreeEntryKind.Whiteout });

        Assert.Equal(".wh.gone", Assert.Single((await PackedBlob.PackAsync(tree)).Entries()).Name);
    }

    [Fact]
    public async Task Pax_headers_appear_only_for_long_or_non_ascii_names_and_xattrs_and_never_carry_times()
    {
        var entries = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries();

        Assert.Equal(
            ["bin/ping", SampleTrees.VeryLongName, SampleTrees.NonAsciiName, "tmp/link-to-long", "tmp/ünïcode-link"],
            entries.Where(e => e.Pax is not null).Select(e => e.Name));
        var keys = entries.Where(e => e.Pax is not null).SelectMany(e => e.Pax!.Keys).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(["SCHILY.xattr.security.capability", "SCHILY.xattr.user.comment", "linkpath", "path"], keys);
    }

    [Fact]
    public async Task A_name_up_to_255_bytes_that_splits_at_a_slash_uses_the_ustar_prefix_instead_of_pax()
    {
        var tar = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Tar();
        var entry = StrictTar.Read(tar).Single(e => e.Name == SampleTrees.LongName);

        Assert.True(SampleTrees.LongName.Length is > 100 and <= 255);
        Assert.Null(entry.Pax);
    }

    [Fact]
    public async Task Xattrs_are_schily_records_with_their_exact_binary_values()
    {
        var ping = (await PackedBlob.PackAsync(SampleTrees.KitchenSink())).Entries().Single(e => e.Name == "bin/ping");

        Assert.Equal(SampleTrees.NetBindCapability, ping.Pax!["SCHILY.xattr.security.capability"]);
        Assert.Equal("hi"u8.ToArray(), ping.Pax["SCHILY.xattr.user.comment"]);
    }

    [Fact]
    public async Task Times_later_than_source_date_epoch_are_clamped_and_earlier_ones_kept()
    {
        var epoch = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tree = new FakeFileTree()
            .Add(new FileTreeEntry { Path = "old", Kind = FileTreeEntryKind.Directory, ModificationTime = epoch.AddDays(-30) })
            .Add(new FileTreeEntry { Path = "new", Kind = FileTreeEntryKind.Directory, ModificationTime = epoch.AddDays(30) })
            .Add(new FileTreeEntry { Path = "exact", Kind = FileTreeEntryKind.Fifo, ModificationTime = epoch });

        var entries = (await PackedBlob.PackAsync(tree, new LayerPackOptions(LayerCompression.None, SourceDateEpoch: epoch))).Entries();

        Assert.Equal(
            [epoch.AddDays(-30).ToUnixTimeSeconds(), epoch.ToUnixTimeSeconds(), epoch.ToUnixTimeSeconds()],
            entries.Select(e => e.ModificationTime));
    }

    [Fact]
    public async Task Sub_second_times_are_cut_to_whole_seconds_without_a_pax_record()
    {
        var time = new DateTimeOffset(2023, 3, 4, 5, 6, 7, TimeSpan.Zero).AddTicks(1234567);
        var tree = new FakeFileTree().Add(new FileTreeEntry { Path = "d", Kind = FileTreeEntryKind.Directory, ModificationTime = time });

        var entry = Assert.Single((await PackedBlob.PackAsync(tree)).Entries());

        Assert.Equal((time.ToUnixTimeSeconds(), (IReadOnlyDictionary<string, byte[]>?)null), (entry.ModificationTime, entry.Pax));
    }

    [Fact]
    public async Task Ids_too_large_for_ustar_and_times_before_1970_get_pax_records()
    {
        var before1970 = new DateTimeOffset(1960, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var tree = new FakeFileTree()
            .Add(new FileTreeEntry { Path = "userns", Kind = FileTreeEntryKind.Directory, Uid = 100_000_000, Gid = 2_097_152, ModificationTime = FakeFileTree.Time })
            .Add(new FileTreeEntry { Path = "ancient", Kind = FileTreeEntryKind.Directory, ModificationTime = before1970 });

        var entries = (await PackedBlob.PackAsync(tree)).Entries();

        Assert.Equal((100_000_000L, 2_097_152L), (entries[0].Uid, entries[0].Gid));
        Assert.Equal(["gid", "uid"], entries[0].Pax!.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(before1970.ToUnixTimeSeconds(), entries[1].ModificationTime);
        Assert.Equal(["mtime"], entries[1].Pax!.Keys);
    }

    [Fact]
    public async Task An_empty_tree_is_just_the_end_of_archive_marker()
    {
        var packed = await PackedBlob.PackAsync(new FakeFileTree());

        Assert.Equal(new byte[1024], packed.Blob);
    }

    [Fact]
    public async Task Empty_files_have_no_data_blocks_and_content_is_padded_to_whole_blocks()
    {
        var tree = new FakeFileTree().File("empty", "").File("one", "x").File("block", new byte[512]);

        var packed = await PackedBlob.PackAsync(tree);

        Assert.Equal((512) + (512 + 512) + (512 + 512) + 1024, packed.Blob.Length);
        Assert.Equal(2, tree.OpenCount); // the empty file is never opened
    }

    [Fact]
    public async Task A_file_shorter_than_its_recorded_size_fails_the_pack()
    {
        var tree = new FakeFileTree().Add(new FileTreeEntry { Path = "shrunk", Kind = FileTreeEntryKind.RegularFile, Size = 10 });
        var shrunk = new FakeFileTree().File("shrunk", "12345");
        var reader = new ShrinkingReader(tree, shrunk);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            new LayerPacker(reader).PackAsync("/", Stream.Null, new LayerPackOptions(), CancellationToken.None));
        Assert.Contains("shrunk", error.Message);
    }

    [Fact]
    public async Task A_big_file_that_shrank_fails_the_pack_with_its_name_after_chunks_were_hashed()
    {
        // Recorded at 16 MiB, 6 MiB left: the walk has handed several chunks to the hash by then.
        var tree = new FakeFileTree().Add(new FileTreeEntry { Path = "shrunk.bin", Kind = FileTreeEntryKind.RegularFile, Size = 16 << 20 });
        var shrunk = new FakeFileTree().GeneratedFile("shrunk.bin", 6 << 20, seed: 4);

        var error = await Assert.ThrowsAsync<IOException>(() =>
            new LayerPacker(new ShrinkingReader(tree, shrunk)).PackAsync("/", Stream.Null, new LayerPackOptions(), CancellationToken.None));

        Assert.Contains("shrunk.bin", error.Message);
    }

    [Fact]
    public async Task A_link_entry_without_a_target_is_refused()
    {
        var tree = new FakeFileTree().Add(new FileTreeEntry { Path = "s", Kind = FileTreeEntryKind.Symlink });

        await Assert.ThrowsAsync<ArgumentException>(() => PackedBlob.PackAsync(tree));
    }

    private static (char Type, int Mode, long Uid, long Gid) Shape(StrictTarEntry entry) => (entry.TypeFlag, entry.Mode, entry.Uid, entry.Gid);

    private sealed class ShrinkingReader(FakeFileTree entries, FakeFileTree contents) : IFileTreeReader
    {
        public IEnumerable<FileTreeEntry> Enumerate(string root) => entries.Enumerate(root);

        public Stream OpenRead(string root, FileTreeEntry entry) => contents.OpenRead(root, entry);
    }
}
