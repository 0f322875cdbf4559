using System.Formats.Tar;
using System.IO.Compression;
using ImageBuilder.Core.Layers;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>Builds layer blobs in memory and unpacks them into a recording writer.</summary>
internal static class LayerTestArchives
{
    public static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    public static byte[] Tar(TarEntryFormat format, Action<TarWriter> fill)
    {
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, format, leaveOpen: true))
        {
            fill(writer);
        }

        return output.ToArray();
    }

    public static TarEntry Entry(TarEntryFormat format, TarEntryType type, string name, string? content = null)
    {
        TarEntry entry = format switch
        {
            TarEntryFormat.Ustar => new UstarTarEntry(type, name),
            TarEntryFormat.Gnu => new GnuTarEntry(type, name),
            TarEntryFormat.V7 => new V7TarEntry(type, name),
            _ => new PaxTarEntry(type, name),
        };
        entry.ModificationTime = Time;
        entry.Mode = type == TarEntryType.Directory ? (UnixFileMode)0x1ed : (UnixFileMode)0x1a4;
        if (content is not null)
        {
            entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        }

        return entry;
    }

    public static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using var compressor = new ZstdSharp.Compressor(3);
        return compressor.Wrap(data).ToArray();
    }

    public static async Task<(RecordingFileTreeWriter Writer, UnpackedLayer Result)> UnpackAsync(byte[] blob, RecordingFileTreeWriter? writer = null)
    {
        writer ??= new RecordingFileTreeWriter();
        var result = await new LayerUnpacker(writer).UnpackAsync(new ForwardOnlyStream(blob), "/snapshot", CancellationToken.None);
        return (writer, result);
    }

    public static async Task<LayerFormatException> RefusedAsync(byte[] blob, RecordingFileTreeWriter? writer = null) =>
        await Assert.ThrowsAsync<LayerFormatException>(() => UnpackAsync(blob, writer));
}
