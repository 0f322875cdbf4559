using System.Globalization;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Mounts;

/// <summary>
/// An image's merged root file system, read-only, for exporting it: the union of its snapshots is
/// mounted by a short-lived thread in a mount namespace of its own, which opens the root and
/// ends. The open descriptor keeps the (now detached) mount alive and reachable from every
/// thread as <see cref="Path"/> (<c>/proc/self/fd/N</c>); disposing it releases the mount. The
/// host's mount table never shows it, and nothing outlives the process.
/// </summary>
public sealed class MountedRoot : IDisposable
{
    private readonly SafeFileHandle root;

    private MountedRoot(SafeFileHandle root) => this.root = root;

    /// <summary>
    /// The root as a path any thread of this process can use. It ends in <c>/.</c> so that even
    /// a no-follow lstat or open of the root itself goes through the descriptor's magic link.
    /// </summary>
    public string Path => "/proc/self/fd/" + ((int)root.DangerousGetHandle()).ToString(CultureInfo.InvariantCulture) + "/.";

    /// <summary>Mounts the union of <paramref name="lowerDirs"/> (top first); <paramref name="emptyDir"/> stands in when there are none.</summary>
    public static async Task<MountedRoot> MountAsync(IReadOnlyList<string> lowerDirs, string emptyDir)
    {
        if (lowerDirs.Count <= 1)
        {
            return new MountedRoot(Syscalls.OpenResolutionRoot(lowerDirs.Count == 1 ? lowerDirs[0] : emptyDir));
        }

        SafeFileHandle? opened = null;
        var mountPoint = Directory.CreateDirectory(emptyDir).FullName;
        await OverlayWorkspace.RunOnPrivateThreadAsync(() =>
        {
            Syscalls.MountOverlay(mountPoint, lowerDirs, null, null, Syscalls.MountAttrReadOnly);
            opened = Syscalls.OpenResolutionRoot(mountPoint);
        });
        return new MountedRoot(opened!);
    }

    public void Dispose() => root.Dispose();
}
