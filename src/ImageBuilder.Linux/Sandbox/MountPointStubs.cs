using ImageBuilder.Core.Layers;
using ImageBuilder.Linux.Native;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// The empty files and directories the sandbox creates in the root only to mount something on
/// them (/proc, /sys, /dev, /etc/hosts, …), and the directories of the upper dir that came into
/// being only because of them (overlayfs copies a parent up before creating in it). All are
/// created and removed one component at a time without following a symlink, so an image whose
/// /etc or /etc/resolv.conf is a symlink can never make the sandbox touch a host path (BuildKit's
/// CVE-2024-23652 removed host files that way). A directory is removed only while it is empty and
/// still as it was before the step (mode, owner, user. and trusted. xattrs): one the step changed
/// (<c>chmod 700 /etc</c>) stays in the upper dir, so the layer keeps the change.
/// </summary>
internal sealed class MountPointStubs(string mergedDir, string upperDir)
{
    private const int Enoent = 2;
    private const int Enotdir = 20;
    private const int Eloop = 40;

    private readonly List<(string Path, bool Directory)> created = [];
    private readonly HashSet<string> copiedUp = new(StringComparer.Ordinal);

    // What each directory created or copied up was like before the step: as the lower dirs had
    // it (copied up), or as just made (created).
    private readonly Dictionary<string, DirectoryState> before = new(StringComparer.Ordinal);

    /// <summary>What is left in the upper dir for the caller to see (tests).</summary>
    public IReadOnlyList<(string Path, bool Directory)> Created => created;

    /// <summary>
    /// Makes sure <paramref name="path"/> (absolute in the root) is a directory or a regular
    /// file as asked, creating what is missing. False when something else is in the way (a
    /// symlink, a device, a file where a directory should be): the caller skips that mount.
    /// </summary>
    public bool Ensure(string path, bool directory)
    {
        var parts = path.Trim('/').Split('/');
        var handles = new List<SafeFileHandle> { Syscalls.OpenResolutionRoot(mergedDir) };
        try
        {
            for (var i = 0; i < parts.Length; i++)
            {
                var current = handles[^1];
                var last = i == parts.Length - 1;
                var wantDirectory = !last || directory;
                var type = Syscalls.GetNodeTypeNoFollow(current, parts[i]);
                if (type == FileNodeType.Missing)
                {
                    NoteCopiedUp(parts, i, handles);
                    var prefix = "/" + string.Join('/', parts[..(i + 1)]);
                    if (wantDirectory)
                    {
                        Syscalls.MakeDirectoryAt(current, parts[i], 0x1ed);
                        using var made = Syscalls.OpenDirectoryNoFollow(current, parts[i]);
                        before[prefix] = DirectoryState.Of(made);
                    }
                    else
                    {
                        Syscalls.CreateFileExclusive(current, parts[i]).Dispose();
                    }

                    created.Add((prefix, wantDirectory));
                }
                else if (type != (wantDirectory ? FileNodeType.Directory : FileNodeType.RegularFile))
                {
                    return false;
                }

                if (!last)
                {
                    handles.Add(Syscalls.OpenDirectoryNoFollow(current, parts[i]));
                }
            }

            return true;
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }
    }

    /// <summary>Removes from the upper dir every stub made, and every directory copied up only for them.</summary>
    public void Remove()
    {
        if (created.Count == 0)
        {
            return;
        }

        using var root = Syscalls.OpenResolutionRoot(upperDir);
        for (var i = created.Count - 1; i >= 0; i--)
        {
            RemoveNoFollow(root, created[i].Path, created[i].Directory);
        }

        foreach (var directory in copiedUp.OrderByDescending(d => d.Count(c => c == '/')))
        {
            RemoveNoFollow(root, directory, directory: true);
        }

        created.Clear();
        copiedUp.Clear();
        before.Clear();
    }

    /// <summary>Remembers the parents of parts[..count] that the upper dir does not hold yet, and
    /// what they are like now, before creating in them copies them up (handles[k] is parts[..k]).</summary>
    private void NoteCopiedUp(string[] parts, int count, List<SafeFileHandle> handles)
    {
        for (var k = 1; k <= count; k++)
        {
            var prefix = "/" + string.Join('/', parts[..k]);
            try
            {
                Syscalls.LStat(upperDir + prefix);
            }
            catch (LinuxException e) when (e.Errno == Enoent)
            {
                copiedUp.Add(prefix);
                before[prefix] = DirectoryState.Of(handles[k]);
            }
        }
    }

    /// <summary>unlink or rmdir of <paramref name="path"/> in the upper dir if it is still the
    /// kind of object made; a symlink anywhere on the way, a non-empty directory, a directory
    /// the step changed or a missing name leaves everything as it is.</summary>
    private void RemoveNoFollow(SafeFileHandle root, string path, bool directory)
    {
        var parts = path.Trim('/').Split('/');
        var handles = new List<SafeFileHandle>();
        try
        {
            var current = root;
            foreach (var part in parts[..^1])
            {
                current = Syscalls.OpenDirectoryNoFollow(current, part);
                handles.Add(current);
            }

            if (Syscalls.GetNodeTypeNoFollow(current, parts[^1]) != (directory ? FileNodeType.Directory : FileNodeType.RegularFile))
            {
                return;
            }

            if (directory)
            {
                using var itself = Syscalls.OpenDirectoryNoFollow(current, parts[^1]);
                if (!before.TryGetValue(path, out var was) || !was.Equals(DirectoryState.Of(itself)))
                {
                    return; // the step changed it: the layer keeps it
                }
            }

            Syscalls.UnlinkAt(current, parts[^1], directory);
        }
        catch (LinuxException e) when (e.Errno is Enoent or Enotdir or Eloop or 39 /* ENOTEMPTY */ or 16 /* EBUSY */)
        {
            // Not ours any more (the step put something there), or already gone.
        }
        finally
        {
            handles.ForEach(h => h.Dispose());
        }
    }
}

/// <summary>
/// What a directory's own entry says besides its contents: type and mode bits, owner, and the
/// user. and trusted. extended attributes (overlayfs's own, *.overlay.*, left out), sorted.
/// </summary>
internal sealed record DirectoryState(uint Mode, uint Uid, uint Gid, string Attributes)
{
    public static DirectoryState Of(SafeFileHandle directory)
    {
        var status = Syscalls.FStat(directory);
        var attributes = Syscalls.ReadExtendedAttributes(directory, Compared)
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => $"{a.Name}={Convert.ToHexString(a.Value)}");
        return new DirectoryState(status.Mode, status.Uid, status.Gid, string.Join('\n', attributes));
    }

    private static bool Compared(string name) =>
        (name.StartsWith("user.", StringComparison.Ordinal) || name.StartsWith("trusted.", StringComparison.Ordinal))
        && !OverlayAttributes.IsOverlays(name);
}
