using System.Diagnostics;
using System.Formats.Tar;
using ImageBuilder.Build.Copying;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Copying;

/// <summary>
/// ADD of .tar.xz archives as the xz tool writes them: every integrity check type, several
/// blocks, several streams; damage is a broken archive, never a silently short tree.
/// </summary>
public sealed partial class ArchiveTests
{
    /// <summary>A tar of one file holding <paramref name="size"/> bytes that compress, but not to nothing.</summary>
    private static (byte[] Tar, byte[] Content) TarOfSize(int size)
    {
        var content = new byte[size];
        var random = new Random(7);
        for (var i = 0; i < size; i += 64)
        {
            content[i] = (byte)random.Next(256);
        }

        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "data/blob") { DataStream = new MemoryStream(content) });
        }

        return (buffer.ToArray(), content);
    }

    /// <summary>Compressed by the real xz tool, so ADD meets what users have.</summary>
    private static byte[] Xz(byte[] data, string arguments = "-6")
    {
        var start = new ProcessStartInfo("xz", $"-c {arguments}") { RedirectStandardInput = true, RedirectStandardOutput = true };
        using var xz = Process.Start(start)!;
        using var output = new MemoryStream();
        var copy = xz.StandardOutput.BaseStream.CopyToAsync(output);
        xz.StandardInput.BaseStream.Write(data);
        xz.StandardInput.Close();
        copy.Wait();
        xz.WaitForExit();
        Assert.Equal(0, xz.ExitCode);
        return output.ToArray();
    }

    [RootTheory]
    [InlineData("-C none")]
    [InlineData("-C crc32")]
    [InlineData("-C crc64")]
    [InlineData("-C sha256")]
    [InlineData("-0")]
    [InlineData("-9e")]
    [InlineData("--delta=dist=4 --lzma2=preset=6")]
    [InlineData("--x86 --lzma2=preset=6")]
    public void Every_check_type_and_preset_of_the_xz_tool_extracts(string arguments)
    {
        var (tar, content) = TarOfSize(300_000);

        Add("a.tar.xz", Xz(tar, arguments), "/x/");

        Assert.Equal(content, File.ReadAllBytes(f.Dst("x/data/blob")));
    }

    [RootFact]
    public void A_multi_block_archive_extracts_whole()
    {
        var (tar, content) = TarOfSize(3 << 20);

        Add("a.tar.xz", Xz(tar, "-T2 --block-size=1MiB"), "/x/");

        Assert.Equal(content, File.ReadAllBytes(f.Dst("x/data/blob")));
    }

    [RootFact]
    public void Concatenated_streams_with_stream_padding_extract_whole()
    {
        var (tar, content) = TarOfSize(200_000);
        var half = tar.Length / 2;

        Add("a.tar.xz", [.. Xz(tar[..half]), 0, 0, 0, 0, .. Xz(tar[half..])], "/x/");

        Assert.Equal(content, File.ReadAllBytes(f.Dst("x/data/blob")));
    }

    [RootTheory]
    [InlineData("crc32", 4)]
    [InlineData("crc64", 8)]
    [InlineData("sha256", 32)]
    public void A_wrong_xz_check_is_a_broken_archive(string check, int checkLength)
    {
        var (tar, _) = TarOfSize(300_000);
        var xz = Xz(tar, $"-C {check}");
        xz[^(12 + 12 + checkLength)] ^= 0xff; // the first byte of the block's check, before the index and the stream footer

        var error = Assert.Throws<CopyException>(() => Add("a.tar.xz", xz, "/x/"));

        Assert.StartsWith("a.tar.xz: broken archive: ", error.Message);
    }

    [RootFact]
    public void Garbage_after_the_last_xz_stream_is_a_broken_archive()
    {
        var (tar, _) = TarOfSize(1000);

        var error = Assert.Throws<CopyException>(() => Add("a.tar.xz", [.. Xz(tar), 1, 2, 3, 4, 5, 6, 7, 8], "/x/"));

        Assert.StartsWith("a.tar.xz: broken archive: ", error.Message);
    }

    [RootFact]
    public void A_truncated_xz_archive_is_a_broken_archive()
    {
        var (tar, _) = TarOfSize(300_000);
        var xz = Xz(tar);

        var error = Assert.Throws<CopyException>(() => Add("a.tar.xz", xz[..(xz.Length / 2)], "/x/"));

        Assert.StartsWith("a.tar.xz: broken archive: ", error.Message);
    }
}
