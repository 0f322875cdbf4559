using Microsoft.Win32.SafeHandles;
using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Resolving any path (not only a directory) inside a root, for COPY and ADD: the source path as
// written is followed through symlinks, but only ever inside its root.
public static unsafe partial class Syscalls
{
    /// <summary>
    /// Opens (O_PATH) whatever <paramref name="path"/> names, resolved with openat2 and
    /// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS as if <paramref name="root"/> were "/". With
    /// <paramref name="followLast"/> a symlink in the last component is followed (inside the root
    /// too); without, the symlink itself is opened. "" is the root itself.
    /// </summary>
    public static SafeFileHandle OpenInRoot(SafeFileHandle root, string path, bool followLast) =>
        OpenBeneath(root, path, O_PATH | O_CLOEXEC | (followLast ? 0 : O_NOFOLLOW));

    /// <summary>openat2 with RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS and <paramref name="flags"/>, retried when a rename or mount raced with the walk (EAGAIN).</summary>
    private static SafeFileHandle OpenBeneath(SafeFileHandle root, string path, int flags)
    {
        var how = new open_how { flags = (ulong)flags, resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
        fixed (byte* p = WritingNames.Encode(path.Length == 0 ? "." : path))
        {
            for (var attempt = 0; ; attempt++)
            {
                var fd = openat2(WritingDescriptors.Of(root), p, &how, (size_t)sizeof(open_how));
                if (fd == -1 && errno == WritingValues.EAGAIN && attempt < 16)
                {
                    continue;
                }

                return WritingDescriptors.Own(fd, nameof(openat2));
            }
        }
    }

    /// <summary>
    /// <c>/proc/self/fd/N</c>: a path that reaches exactly what the descriptor holds, for calls
    /// such as mount(2) that only take paths (the magic link is followed to the object itself).
    /// </summary>
    internal static string PathOfDescriptor(SafeFileHandle handle) => $"/proc/self/fd/{WritingDescriptors.Of(handle)}";

    /// <summary>The path the kernel knows for an open descriptor (readlink of /proc/self/fd/N).</summary>
    public static string PathOf(SafeFileHandle handle) => ReadLink($"/proc/self/fd/{WritingDescriptors.Of(handle)}");
}
