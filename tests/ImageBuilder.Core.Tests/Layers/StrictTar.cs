using System.Text;

namespace ImageBuilder.Core.Tests.Layers;

/// <summary>One entry of a tar as the bytes say it, with the PAX records that preceded it.</summary>
internal sealed record StrictTarEntry(
    string Name,
    char TypeFlag,
    int Mode,
    long Uid,
    long Gid,
    long Size,
    long ModificationTime,
    string LinkName,
    int DeviceMajor,
    int DeviceMinor,
    string UserName,
    string GroupName,
    IReadOnlyDictionary<string, byte[]>? Pax,
    byte[] Content);

/// <summary>
/// A strict, independent tar reader for the tests: checks every header checksum, the ustar
/// magic, block alignment and the end-of-archive marker, and keeps PAX values as raw bytes
/// (binary xattrs survive).
/// </summary>
internal static class StrictTar
{
    public static List<StrictTarEntry> Read(byte[] tar)
    {
        Assert.True(tar.Length % 512 == 0, $"tar length {tar.Length} is not whole blocks");
        var entries = new List<StrictTarEntry>();
        Dictionary<string, byte[]>? pax = null;
        var offset = 0;
        while (true)
        {
            Assert.True(offset + 512 <= tar.Length, "tar ended without the end-of-archive blocks");
            var block = tar.AsSpan(offset, 512);
            if (!block.ContainsAnyExcept((byte)0))
            {
                Assert.True(offset + 1024 <= tar.Length && !tar.AsSpan(offset, 1024).ContainsAnyExcept((byte)0), "a single zero block");
                Assert.Null(pax);
                Assert.Equal(tar.Length, offset + 1024); // nothing after the marker
                return entries;
            }

            Assert.Equal(ParseOctal(block.Slice(148, 8)), Checksum(block));
            Assert.Equal("ustar\000"u8.ToArray(), block.Slice(257, 8).ToArray());
            var type = (char)block[156];
            var size = ParseOctal(block.Slice(124, 12));
            var dataOffset = offset + 512;
            offset = dataOffset + (int)((size + 511) / 512 * 512);
            var data = tar.AsSpan(dataOffset, (int)size).ToArray();
            if (type == 'x')
            {
                Assert.Null(pax); // one extended header per entry
                pax = ParseRecords(data);
                continue;
            }

            var prefix = Text(block.Slice(345, 155));
            var name = prefix.Length > 0 ? prefix + "/" + Text(block[..100]) : Text(block[..100]);
            var link = Text(block.Slice(157, 100));
            var uid = ParseOctal(block.Slice(108, 8));
            var gid = ParseOctal(block.Slice(116, 8));
            var mtime = ParseOctal(block.Slice(136, 12));
            if (pax is not null)
            {
                name = pax.TryGetValue("path", out var p) ? Encoding.UTF8.GetString(p) : name;
                link = pax.TryGetValue("linkpath", out var l) ? Encoding.UTF8.GetString(l) : link;
                uid = pax.TryGetValue("uid", out var u) ? long.Parse(Encoding.ASCII.GetString(u)) : uid;
                gid = pax.TryGetValue("gid", out var g) ? long.Parse(Encoding.ASCII.GetString(g)) : gid;
                mtime = pax.TryGetValue("mtime", out var m) ? long.Parse(Encoding.ASCII.GetString(m)) : mtime;
                if (pax.TryGetValue("size", out var s))
                {
                    size = long.Parse(Encoding.ASCII.GetString(s));
                    offset = dataOffset + (int)((size + 511) / 512 * 512);
                    data = tar.AsSpan(dataOffset, (int)size).ToArray();
                }
            }

            entries.Add(new StrictTarEntry(
                name, type, (int)ParseOctal(block.Slice(100, 8)), uid, gid, size, mtime, link,
                (int)ParseOctal(block.Slice(329, 8)), (int)ParseOctal(block.Slice(337, 8)),
                Text(block.Slice(265, 32)), Text(block.Slice(297, 32)), pax, data));
            pax = null;
        }
    }

    public static Dictionary<string, byte[]> ParseRecords(byte[] data)
    {
        var records = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var position = 0;
        while (position < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', position);
            var length = int.Parse(Encoding.ASCII.GetString(data, position, space - position));
            var record = data.AsSpan(space + 1, length - (space + 1 - position));
            Assert.Equal((byte)'\n', record[^1]); // the length must be exact
            var equals = record.IndexOf((byte)'=');
            var key = Encoding.UTF8.GetString(record[..equals]);
            Assert.False(records.ContainsKey(key), $"duplicate PAX record {key}");
            records[key] = record[(equals + 1)..^1].ToArray();
            position += length;
        }

        return records;
    }

    private static long Checksum(ReadOnlySpan<byte> block)
    {
        long sum = 0;
        for (var i = 0; i < 512; i++)
        {
            sum += i is >= 148 and < 156 ? (byte)' ' : block[i];
        }

        return sum;
    }

    private static long ParseOctal(ReadOnlySpan<byte> field)
    {
        long value = 0;
        foreach (var b in field)
        {
            if (b is 0 or (byte)' ')
            {
                break;
            }

            Assert.InRange(b, (byte)'0', (byte)'7');
            value = (value * 8) + (b - '0');
        }

        return value;
    }

    private static string Text(ReadOnlySpan<byte> field)
    {
        var end = field.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? field : field[..end]);
    }
}
