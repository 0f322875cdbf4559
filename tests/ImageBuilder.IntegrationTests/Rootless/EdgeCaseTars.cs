using System.Text;
using ImageBuilder.TestSupport;

namespace ImageBuilder.IntegrationTests.Rootless;

/// <summary>Small layer tarballs for rootless edge cases: a file of another owner, a device node.</summary>
internal static class EdgeCaseTars
{
    /// <summary>A tar with <c>data/</c> (root's) and <c>data/f</c> owned by <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    public static byte[] FileOwnedBy(int uid, int gid) => new RawTar()
        .Directory("data/")
        .Header(new RawTarHeader("data/f", '0') { Uid = uid, Gid = gid }, Encoding.UTF8.GetBytes("owned\n"))
        .ToArray();

    /// <summary>A tar with the character device <c>opt/null</c> (1,3) beside a regular file <c>opt/plain</c>.</summary>
    public static byte[] CharacterDevice() => new RawTar()
        .Directory("opt/")
        .Header(new RawTarHeader("opt/null", '3') { DevMajor = 1, DevMinor = 3, Mode = 0x1b6 })
        .File("opt/plain", "plain\n")
        .ToArray();

    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/>, readable by everyone (the rootless user reads it).</summary>
    public static string Save(byte[] content, string path)
    {
        File.WriteAllBytes(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)0x1a4);
        return path;
    }
}
