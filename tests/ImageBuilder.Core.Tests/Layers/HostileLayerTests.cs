using System.Text;
using ImageBuilder.Core.Layers;
using ImageBuilder.TestSupport;
using static ImageBuilder.Core.Tests.Layers.LayerTestArchives;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>What the unpacker refuses, and how it cleans names it accepts (the writer's containment is tested in ImageBuilder.Linux.Tests).</summary>
public sealed class HostileLayerTests
{
    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../escape")]
    [InlineData("./../escape")]
    [InlineData("/../../escape")]
    [InlineData("..")]
    public async Task A_name_climbing_above_the_root_is_refused_and_named(string name)
    {
        var error = await RefusedAsync(new RawTar().File("ok", "1").File(name, "x").ToArray());

        Assert.Equal(LayerFormatReason.UnsafePath, error.Reason);
        Assert.Equal(name, error.EntryName);
        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/etc/passwd", "etc/passwd")]
    [InlineData("a/../b", "b")]
    [InlineData("./a//b/./c", "a/b/c")]
    [InlineData("a/b/../../c", "c")]
    public async Task Names_inside_the_root_are_cleaned_relative_to_it(string name, string expected)
    {
        var (writer, _) = await UnpackAsync(new RawTar().File(name, "x").ToArray());

        Assert.Equal(expected, Assert.Single(writer.Writes).Path);
    }

    [Theory]
    [InlineData("../outside")]
    [InlineData("a/../../outside")]
    public async Task A_hardlink_target_climbing_above_the_root_is_refused(string target)
    {
        var error = await RefusedAsync(new RawTar().File("a", "1").Hardlink("link", target).ToArray());

        Assert.Equal((LayerFormatReason.UnsafePath, "link"), (error.Reason, error.EntryName));
    }

    [Fact]
    public async Task An_absolute_hardlink_target_is_taken_inside_the_root()
    {
        var (writer, _) = await UnpackAsync(new RawTar().File("etc/passwd", "1").Hardlink("link", "/etc/passwd").ToArray());

        Assert.Equal("etc/passwd", writer.Entry("link").LinkTarget);
    }

    [Theory]
    [InlineData("/")]
    [InlineData("link")]
    public async Task A_hardlink_to_the_root_or_to_itself_is_refused(string target)
    {
        var error = await RefusedAsync(new RawTar().Hardlink("link", target).ToArray());

        Assert.Equal("link", error.EntryName);
    }

    [Fact]
    public async Task A_nul_in_a_pax_path_is_refused()
    {
        var error = await RefusedAsync(new RawTar().Pax(("path", "ok\0/../../etc/passwd"u8.ToArray())).File("plain", "x").ToArray());

        Assert.Equal(LayerFormatReason.UnsafePath, error.Reason);
        Assert.Contains("\\0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_nul_in_a_pax_linkpath_is_refused()
    {
        var error = await RefusedAsync(new RawTar().Pax(("linkpath", "a\0b"u8.ToArray())).Symlink("s", "t").ToArray());

        Assert.Equal(LayerFormatReason.UnsafePath, error.Reason);
    }

    [Fact]
    public async Task A_negative_size_is_refused()
    {
        // GNU base-256: 0xff marks a negative number; this is -1.
        var minusOne = Enumerable.Repeat((byte)0xff, 12).ToArray();

        var error = await RefusedAsync(new RawTar().Header(new RawTarHeader("neg", '0') { RawSize = minusOne }).ToArray());

        Assert.Equal((LayerFormatReason.Malformed, "neg"), (error.Reason, error.EntryName));
    }

    [Fact]
    public async Task A_negative_pax_size_is_refused()
    {
        var error = await RefusedAsync(new RawTar().Pax(("size", "-5"u8.ToArray())).File("neg", string.Empty).ToArray());

        Assert.Equal((LayerFormatReason.Malformed, "neg"), (error.Reason, error.EntryName));
    }

    [Fact]
    public async Task A_size_beyond_the_end_of_the_layer_is_refused_naming_the_entry()
    {
        // 2^40 bytes claimed in base-256, a few bytes present.
        var huge = new byte[12];
        huge[0] = 0x80;
        huge[6] = 0x01;

        var error = await RefusedAsync(new RawTar().Header(new RawTarHeader("huge", '0') { RawSize = huge }, "tiny"u8).ToArray(trailer: false));

        Assert.Equal((LayerFormatReason.Malformed, "huge"), (error.Reason, error.EntryName));
    }

    [Fact]
    public async Task An_oversized_extended_header_is_refused_before_it_is_buffered()
    {
        var error = await RefusedAsync(new RawTar().Header(new RawTarHeader("PaxHeaders/x", 'x') { Size = 64L << 20 }).ToArray(trailer: false));

        Assert.Equal(LayerFormatReason.Malformed, error.Reason);
    }

    [Fact]
    public async Task Sparse_and_unknown_entry_types_are_unsupported()
    {
        Assert.Equal(LayerFormatReason.Unsupported, (await RefusedAsync(new RawTar().Header(new RawTarHeader("sparse", 'S') { Gnu = true }).ToArray())).Reason);
        Assert.Equal(LayerFormatReason.Unsupported, (await RefusedAsync(new RawTar().Pax(("GNU.sparse.major", "1"u8.ToArray())).File("s", "x").ToArray())).Reason);
        var volume = await RefusedAsync(new RawTar().Header(new RawTarHeader("volume", 'V')).ToArray());
        Assert.Equal((LayerFormatReason.Unsupported, "volume"), (volume.Reason, volume.EntryName));
    }

    [Fact]
    public async Task A_bad_checksum_or_a_truncated_header_is_malformed()
    {
        var tar = new RawTar().File("a", "a").ToArray();
        var corrupt = tar.ToArray();
        corrupt[0] ^= 0x20;

        Assert.Equal(LayerFormatReason.Malformed, (await RefusedAsync(corrupt)).Reason);
        Assert.Equal(LayerFormatReason.Malformed, (await RefusedAsync(tar[..300])).Reason);
        Assert.Equal(LayerFormatReason.Malformed, (await RefusedAsync(tar[..600])).Reason);
    }

    [Fact]
    public async Task A_name_that_is_not_utf8_is_unsupported()
    {
        var tar = new RawTar().Pax(("path", [0x66, 0xff, 0x6f])).File("x", "x").ToArray();

        Assert.Equal(LayerFormatReason.Unsupported, (await RefusedAsync(tar)).Reason);
    }

    [Fact]
    public async Task Out_of_range_ids_and_times_are_refused()
    {
        Assert.Equal("big-uid", (await RefusedAsync(new RawTar().Pax(("uid", "4294967296"u8.ToArray())).File("big-uid", "x").ToArray())).EntryName);
        Assert.Equal("far-future", (await RefusedAsync(new RawTar().Pax(("mtime", "999999999999999"u8.ToArray())).File("far-future", "x").ToArray())).EntryName);
    }

    [Fact]
    public async Task Only_a_directory_may_stand_for_the_root()
    {
        var error = await RefusedAsync(new RawTar().File("./", "x").ToArray());

        Assert.Equal(LayerFormatReason.UnsafePath, error.Reason);
    }

    [Theory]
    [InlineData(".wh.")]
    [InlineData("d/.wh..")]
    public async Task A_whiteout_that_names_nothing_is_refused(string name)
    {
        var error = await RefusedAsync(new RawTar().File(name, string.Empty).ToArray());

        Assert.Equal(name, error.EntryName);
    }

    [Fact]
    public async Task A_failing_write_is_reported_with_the_entry_name()
    {
        var writer = new RecordingFileTreeWriter { FailOn = ("etc/hosts", new IOException("No space left on device")) };

        var error = await RefusedAsync(new RawTar().File("etc/hosts", "x").ToArray(), writer);

        Assert.Equal((LayerFormatReason.WriteFailed, "etc/hosts"), (error.Reason, error.EntryName));
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(error.InnerException);
    }

    [Fact]
    public async Task Control_characters_in_names_are_escaped_in_messages()
    {
        var error = await RefusedAsync(new RawTar().Pax(("path", Encoding.UTF8.GetBytes("../\u001b[31mred"))).File("x", "x").ToArray());

        Assert.Contains("\\x1b[31mred", error.Message, StringComparison.Ordinal);
    }
}
