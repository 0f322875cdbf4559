using System.Formats.Tar;
using System.Text;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>Small layer tarballs for rootless edge cases: a file of another owner, a device node.</summary>
internal static class EdgeCaseTars
{
    /// <summary>A tar with <c>data/</c> (root's) and <c>data/f</c> owned by <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    public static byte[] FileOwnedBy(int uid, int gid) => Tar(
        new PaxTarEntry(TarEntryType.Directory, "data/") { Mode = (UnixFileMode)0x1ed },
        WithContent(new PaxTarEntry(TarEntryType.RegularFile, "data/f") { Uid = uid, Gid = gid, Mode = (UnixFileMode)0x1a4 }, "owned\n"));

    /// <summary>A tar with the character device <c>opt/null</c> (1,3) beside a regular file <c>opt/plain</c>.</summary>
    public static byte[] CharacterDevice() => Tar(
        new PaxTarEntry(TarEntryType.Directory, "opt/") { Mode = (UnixFileMode)0x1ed },
        new PaxTarEntry(TarEntryType.CharacterDevice, "opt/null") { DeviceMajor = 1, DeviceMinor = 3, Mode = (UnixFileMode)0x1b6 },
        WithContent(new PaxTarEntry(TarEntryType.RegularFile, "opt/plain") { Mode = (UnixFileMode)0x1a4 }, "plain\n"));

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, readable by everyone (the rootless user reads it).</summary>
    public static string Save(byte[] content, string path)
    {
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)0x1a4);
        return path;
    }

    private static PaxTarEntry WithContent(PaxTarEntry entry, string text)
    {
        entry.DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return entry;
    }

    private static byte[] Tar(params TarEntry[] entries)
    {
        using var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                writer.WriteEntry(entry);
            }
        }

        return output.ToArray();
    }
}
