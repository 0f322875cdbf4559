using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;

namespace ImageBuilder.Build.Tests.Copying;

/// <summary>A source root and a destination root under one temp dir, with helpers to build and inspect them.</summary>
internal sealed class CopyFixture : IDisposable
{
    private readonly TempDirectory dir = new();

    public CopyFixture()
    {
        Directory.CreateDirectory(Source);
        Directory.CreateDirectory(Dest);
    }

    public string Source => dir.Combine("src");

    public string Dest => dir.Combine("dst");

    public string Outside => dir.Combine("outside");

    public string Src(string relative) => Path.Combine(Source, relative);

    public string Dst(string relative) => Path.Combine(Dest, relative);

    public string WriteSource(string relative, string content, int mode = 0x1a4)
    {
        var path = Src(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        File.SetUnixFileMode(path, (UnixFileMode)mode);
        return path;
    }

    public static FileStatus Stat(string path) => Syscalls.LStat(path);

    public static int ModeOf(string path) => Stat(path).Permissions;

    public static void Chown(string path, int uid, int gid)
    {
        using var parent = Syscalls.OpenResolutionRoot(Path.GetDirectoryName(path)!);
        Syscalls.ChangeOwnerNoFollow(parent, Path.GetFileName(path), uid, gid);
    }

    public static void SetAttribute(string path, string name, ReadOnlySpan<byte> value)
    {
        using var parent = Syscalls.OpenResolutionRoot(Path.GetDirectoryName(path)!);
        Syscalls.SetExtendedAttributeNoFollow(parent, Path.GetFileName(path), name, value);
    }

    public void Dispose() => dir.Dispose();
}
