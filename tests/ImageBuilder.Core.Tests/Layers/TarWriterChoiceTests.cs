using System.Formats.Tar;
using System.Text;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>
/// Why the packer writes its own tar headers: what System.Formats.Tar's TarWriter does with a
/// PAX entry on this runtime. If these facts stop holding, the choice can be revisited.
/// </summary>
public sealed class TarWriterChoiceTests
{
    [Fact]
    public void TarWriter_names_its_pax_headers_after_the_process_id_and_writes_one_for_every_entry()
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "short/") { ModificationTime = FakeFileTree.Time });
        }

        var bytes = tar.ToArray();
        var extendedName = Encoding.ASCII.GetString(bytes, 0, 100).TrimEnd('\0');
        Assert.Equal((byte)'x', bytes[156]); // a PAX header even for a short ASCII name
        Assert.Contains($"PaxHeaders.{Environment.ProcessId}", extendedName); // differs from run to run
        Assert.Equal(["mtime", "path"], StrictTar.ParseRecords(bytes[512..(512 + ExtendedSize(bytes))]).Keys.Order(StringComparer.Ordinal));
    }

    private static int ExtendedSize(byte[] header) => Convert.ToInt32(Encoding.ASCII.GetString(header, 124, 11), 8);
}
