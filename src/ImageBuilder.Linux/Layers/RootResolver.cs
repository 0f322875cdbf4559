using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Layers;

/// <summary>
/// The one way the snapshot writer turns a path into something it can act on. It holds the root
/// open and resolves directories with openat2(RESOLVE_IN_ROOT), so ".." stops at the root and
/// every symlink — absolute or relative, in the path or put there earlier by the same layer —
/// is followed as if the root were "/". The last component of a path is never resolved: the
/// writer hands it, as a single name, to an *at call on the parent directory's descriptor.
/// </summary>
internal sealed class RootResolver : IDisposable
{
    private const int ImplicitDirectoryMode = 0x1ed; // 0755, as docker and containerd create missing parents

    private readonly SafeFileHandle root;

    private RootResolver(SafeFileHandle root) => this.root = root;

    /// <summary>Opens <paramref name="root"/> (the caller's own path, trusted) as the resolution root.</summary>
    public static RootResolver Open(string root) => new(Syscalls.OpenResolutionRoot(root));

    /// <summary>The root directory itself, opened read-only (for its own metadata).</summary>
    public SafeFileHandle OpenRoot() => Syscalls.OpenDirectoryInRoot(root, string.Empty, pathOnly: false);

    /// <summary>
    /// Opens (O_PATH) the directory that holds the last component of <paramref name="path"/>, and
    /// returns that component. With <paramref name="createMissing"/>, missing parent directories
    /// are made (mode 0755), each inside the directory the resolver already holds.
    /// </summary>
    public (SafeFileHandle Directory, string Name) OpenParent(string path, bool createMissing)
    {
        var components = Components(path);
        if (components.Length == 0)
        {
            throw new ArgumentException("the root has no parent inside the root", nameof(path));
        }

        var parent = string.Join('/', components[..^1]);
        return (OpenDirectory(parent, components[..^1], createMissing), components[^1]);
    }

    public void Dispose() => root.Dispose();

    private SafeFileHandle OpenDirectory(string path, string[] components, bool createMissing)
    {
        try
        {
            return Syscalls.OpenDirectoryInRoot(root, path, pathOnly: true);
        }
        catch (LinuxException error) when (error.Errno == Errno.ENOENT && createMissing)
        {
            return CreateMissing(components);
        }
    }

    // Walks down one component at a time. Each step is resolved from the root again (so a symlink
    // met on the way stays inside it); only a name that does not exist at all is created, with
    // mkdirat in the directory resolved just before. A symlink whose target is missing is not
    // followed into creation: the layer would be asking to build directories through a dangling
    // link, and refusing is the simpler safe answer.
    private SafeFileHandle CreateMissing(string[] components)
    {
        var current = Syscalls.OpenDirectoryInRoot(root, string.Empty, pathOnly: true);
        for (var i = 0; i < components.Length; i++)
        {
            SafeFileHandle next;
            try
            {
                next = Step(current, string.Join('/', components[..(i + 1)]), components[i]);
            }
            finally
            {
                current.Dispose();
            }

            current = next;
        }

        return current;
    }

    private SafeFileHandle Step(SafeFileHandle current, string prefix, string name)
    {
        try
        {
            return Syscalls.OpenDirectoryInRoot(root, prefix, pathOnly: true);
        }
        catch (LinuxException error) when (error.Errno == Errno.ENOENT)
        {
            if (Syscalls.GetNodeTypeNoFollow(current, name) != FileNodeType.Missing)
            {
                throw new IOException($"\"{prefix}\" is a symlink that leads to nothing inside the root", error);
            }

            Syscalls.MakeDirectoryAt(current, name, ImplicitDirectoryMode);
            Syscalls.ChangeModeNoFollow(current, name, ImplicitDirectoryMode);
            return Syscalls.OpenDirectoryInRoot(root, prefix, pathOnly: true);
        }
    }

    /// <summary>The components of a cleaned relative path; anything else is a caller's bug.</summary>
    private static string[] Components(string path)
    {
        var components = path.Length == 0 ? [] : path.Split('/');
        if (components.Any(c => c is "" or "." or ".."))
        {
            throw new ArgumentException($"not a cleaned relative path: \"{path}\"", nameof(path));
        }

        return components;
    }
}

/// <summary>The errno values the snapshot writer reacts to.</summary>
internal static class Errno
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINVAL = 22;
    public const int EOPNOTSUPP = 95;
}
