using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Build.Copying;

/// <summary>
/// The root a COPY writes into (a stage's merged root). Every path is resolved with
/// openat2(RESOLVE_IN_ROOT), so a symlink in the image — even one pointing at "/" or "../.." —
/// leads somewhere inside the root, never outside; entries are written by
/// <see cref="FileTreeWriter"/>, which creates by name relative to a descriptor and never follows
/// a symlink in the last component.
/// </summary>
internal sealed class DestinationTree : IDisposable
{
    private const int ENOENT = 2;
    private const int ENOTDIR = 20;
    private const int ENAMETOOLONG = 36;
    private const int ELOOP = 40;
    private const int ImplicitDirectoryMode = 0x1ed; // 0755, as BuildKit's MkdirAll

    private readonly SafeFileHandle root;
    private readonly string realRoot;

    private DestinationTree(string root, SafeFileHandle handle)
    {
        Root = root;
        this.root = handle;
        realRoot = Syscalls.PathOf(handle);
    }

    /// <summary>The root as the caller named it (what <see cref="Writer"/> is handed).</summary>
    public string Root { get; }

    public FileTreeWriter Writer { get; } = new();

    public static DestinationTree Open(string root) => new(root, Syscalls.OpenResolutionRoot(root));

    /// <summary>
    /// <paramref name="path"/> with the symlinks of its existing part followed inside the root; the
    /// part that does not exist yet is appended as written.
    /// </summary>
    public string Canonical(string path)
    {
        try
        {
            using var handle = Syscalls.OpenInRoot(root, path, followLast: true);
            return Relative(Syscalls.PathOf(handle));
        }
        catch (LinuxException error) when (error.Errno == ENOENT && path.Length > 0)
        {
            return SourcePath.Join(Canonical(SourcePath.Dir(path)), SourcePath.Base(path));
        }
        catch (LinuxException error) when (error.Errno == ENOTDIR)
        {
            throw new CopyException($"cannot copy to {SourcePath.Display(path)}: not a directory", error);
        }
        catch (LinuxException error) when (error.Errno is ELOOP or ENAMETOOLONG)
        {
            throw Unresolvable(path, error);
        }
    }

    /// <summary>What is at <paramref name="path"/> (its parent resolved in the root, the name itself not followed).</summary>
    public FileNodeType NodeType(string path)
    {
        if (path.Length == 0)
        {
            return FileNodeType.Directory;
        }

        try
        {
            using var parent = Syscalls.OpenDirectoryInRoot(root, SourcePath.Dir(path), pathOnly: true);
            return Syscalls.GetNodeTypeNoFollow(parent, SourcePath.Base(path));
        }
        catch (LinuxException error) when (error.Errno is ENOENT or ENOTDIR)
        {
            return FileNodeType.Missing;
        }
        catch (LinuxException error) when (error.Errno is ELOOP or ENAMETOOLONG)
        {
            throw Unresolvable(path, error);
        }
    }

    /// <summary>Whether <paramref name="path"/> is a directory once symlinks are followed (inside the root).</summary>
    public bool IsDirectory(string path)
    {
        try
        {
            using var handle = Syscalls.OpenDirectoryInRoot(root, path, pathOnly: true);
            return true;
        }
        catch (LinuxException error) when (error.Errno is ENOENT or ENOTDIR)
        {
            return false;
        }
        catch (LinuxException error) when (error.Errno is ELOOP or ENAMETOOLONG)
        {
            throw Unresolvable(path, error);
        }
    }

    /// <summary>
    /// Makes <paramref name="path"/> a directory, creating each missing element with mode 0755 and,
    /// as BuildKit does for --chown, the given owner (root otherwise). An element that exists and is
    /// not a directory (after following symlinks inside the root) fails the copy.
    /// </summary>
    public void MakeDirectories(string path, int? uid, int? gid)
    {
        var parts = path.Length == 0 ? [] : path.Split('/');
        for (var i = 0; i < parts.Length; i++)
        {
            var prefix = string.Join('/', parts[..(i + 1)]);
            if (IsDirectory(prefix))
            {
                continue;
            }

            using var parent = Syscalls.OpenDirectoryInRoot(root, string.Join('/', parts[..i]), pathOnly: true);
            if (Syscalls.GetNodeTypeNoFollow(parent, parts[i]) != FileNodeType.Missing)
            {
                throw new CopyException($"mkdir {SourcePath.Display(prefix)}: not a directory");
            }

            Syscalls.MakeDirectoryAt(parent, parts[i], ImplicitDirectoryMode);
            Syscalls.ChangeModeNoFollow(parent, parts[i], ImplicitDirectoryMode);
            if (uid is not null || gid is not null)
            {
                Syscalls.ChangeOwnerNoFollow(parent, parts[i], uid ?? 0, gid ?? 0);
            }
        }
    }

    /// <summary>
    /// Writes <paramref name="entry"/>. A path that Linux cannot resolve — it runs into a symlink
    /// loop, it is too long, a directory on the way is a symlink that leads nowhere — refuses the
    /// source; any other failure of the writer fails the copy. Both name <paramref name="what"/>
    /// (default: the destination path).
    /// </summary>
    /// <exception cref="CopyException">The entry cannot be written.</exception>
    public void Write(FileTreeEntry entry, Stream? content, string? what = null)
    {
        try
        {
            Writer.Write(Root, entry, content);
        }
        catch (Exception error) when (error is LinuxException or IOException { InnerException: LinuxException })
        {
            var name = what ?? SourcePath.Quote(SourcePath.Display(entry.Path));
            throw error switch
            {
                LinuxException { Errno: ELOOP } => CopyException.Refused($"{name}: its path runs into a symlink loop", error),
                LinuxException { Errno: ENAMETOOLONG } => CopyException.Refused($"{name}: the path is longer than Linux allows", error),
                LinuxException => new CopyException($"{name}: {error.Message}", error),
                _ => CopyException.Refused($"{name}: {error.Message}", error), // RootResolver: a directory on the way is a symlink to nothing
            };
        }
    }

    public void Dispose() => root.Dispose();

    /// <summary>A destination path that runs into a symlink loop or is too long for Linux.</summary>
    private static CopyException Unresolvable(string path, LinuxException error) =>
        CopyException.Refused($"cannot copy to {SourcePath.Quote(SourcePath.Display(path))}: {(error.Errno == ELOOP ? "the path runs into a symlink loop" : "the path is longer than Linux allows")}", error);

    private string Relative(string real) =>
        real == realRoot ? ""
        : real.StartsWith(realRoot + "/", StringComparison.Ordinal) ? real[(realRoot.Length + 1)..]
        : realRoot == "/" && real.StartsWith('/') ? real[1..]
        : throw new IOException($"{real} resolved outside the destination root {realRoot}");
}
