using System.Text;
using ImageBuilder.Linux.Native;
using ImageBuilder.TestSupport;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Tests.Layers;

/// <summary>
/// Builds an overlayfs-style upper dir in a temp directory through the project's own system
/// call wrappers (mknodat, setxattr, linkat, fchownat, utimensat), so the tests need no tool a
/// fresh machine lacks (setfattr, mknod). Most of it needs root.
/// </summary>
internal sealed class UpperDirBuilder : IDisposable
{
    private readonly TempDirectory temp = new("ibuild-upper-");

    public string Root => temp.Path;

    public string Full(string path) => Path.Combine(Root, path);

    public UpperDirBuilder Directory(string path, int mode = 0x1ED)
    {
        System.IO.Directory.CreateDirectory(Full(path));
        return Chmod(path, mode);
    }

    public UpperDirBuilder File(string path, string content, int mode = 0x1A4)
    {
        System.IO.File.WriteAllText(Full(path), content);
        return Chmod(path, mode);
    }

    public UpperDirBuilder Symlink(string path, string target)
    {
        System.IO.File.CreateSymbolicLink(Full(path), target);
        return this;
    }

    public UpperDirBuilder Hardlink(string existing, string path) => At(existing, (existingDir, existingName) =>
        At(path, (dir, name) => Syscalls.CreateHardlinkAt(existingDir, existingName, dir, name)));

    public UpperDirBuilder Fifo(string path, int mode = 0x1A4) =>
        At(path, (dir, name) => Syscalls.MakeNodeAt(dir, name, FileNodeType.Fifo, mode, 0, 0)).Chmod(path, mode); // past the umask

    public UpperDirBuilder CharDevice(string path, int major, int minor, int mode = 0x1B6) =>
        At(path, (dir, name) => Syscalls.MakeNodeAt(dir, name, FileNodeType.CharDevice, mode, major, minor)).Chmod(path, mode);

    public UpperDirBuilder BlockDevice(string path, int major, int minor, int mode = 0x1B0) =>
        At(path, (dir, name) => Syscalls.MakeNodeAt(dir, name, FileNodeType.BlockDevice, mode, major, minor)).Chmod(path, mode);

    /// <summary>The classic overlayfs whiteout: a char device 0/0.</summary>
    public UpperDirBuilder Whiteout(string path) => CharDevice(path, 0, 0, mode: 0);

    /// <summary>The newer form: a zero-size file carrying <c>trusted.overlay.whiteout</c>.</summary>
    public UpperDirBuilder XattrWhiteout(string path) => File(path, "").Xattr(path, "trusted.overlay.whiteout", []);

    public UpperDirBuilder Opaque(string path, string value = "y") => Xattr(path, "trusted.overlay.opaque", Encoding.ASCII.GetBytes(value));

    public UpperDirBuilder Xattr(string path, string name, byte[] value) =>
        At(path, (dir, entry) => Syscalls.SetExtendedAttributeNoFollow(dir, entry, name, value));

    public UpperDirBuilder Owner(string path, int uid, int gid) =>
        At(path, (dir, name) => Syscalls.ChangeOwnerNoFollow(dir, name, uid, gid));

    /// <summary>chmod, setuid, setgid and sticky included (never on a symlink: it would follow).</summary>
    public UpperDirBuilder Chmod(string path, int mode)
    {
        System.IO.File.SetUnixFileMode(Full(path), (UnixFileMode)mode);
        return this;
    }

    /// <summary>Sets the modification (and access) time without following a symlink.</summary>
    public UpperDirBuilder Time(string path, DateTimeOffset time) =>
        At(path, (dir, name) => Syscalls.SetTimesNoFollow(dir, name, time));

    public void Dispose() => temp.Dispose();

    // Runs a *at call on the last component of path, in its parent directory.
    private UpperDirBuilder At(string path, Action<SafeFileHandle, string> call)
    {
        var slash = path.LastIndexOf('/');
        using var root = Syscalls.OpenResolutionRoot(Root);
        using var directory = Syscalls.OpenDirectoryInRoot(root, slash < 0 ? "" : path[..slash], pathOnly: true);
        call(directory, path[(slash + 1)..]);
        return this;
    }
}
