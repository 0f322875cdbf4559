using System.Globalization;
using ImageBuilder.Linux.Native;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// Makes a step's RUN --mount mounts, on the sandbox's namespace thread before the init starts
/// (so the init's pivot_root takes them along). Targets get mount-point stubs like /etc/hosts
/// does — never through a symlink — and the stubs leave the upper dir afterwards. Sources are
/// opened inside their root and mounted through their descriptor, so what is mounted is what was
/// resolved.
/// </summary>
internal static class StepMounts
{
    /// <returns>
    /// The binds the init makes once the step's own /dev exists (a content mount in /dev: a RUN
    /// heredoc's script at /dev/pipes/NAME, as BuildKit puts it): source, then target.
    /// </returns>
    public static List<(string Source, string Target)> Attach(IReadOnlyList<SandboxMount> mounts, string merged, string scratch, MountPointStubs stubs)
    {
        var inDev = new List<(string, string)>();
        for (var i = 0; i < mounts.Count; i++)
        {
            var work = Directory.CreateDirectory(Path.Combine(scratch, "mounts", i.ToString(CultureInfo.InvariantCulture))).FullName;
            switch (mounts[i])
            {
                case BindMount bind:
                    Bind(bind.Root, bind.SubPath, bind.Target, bind.ReadOnly, merged, stubs);
                    break;
                case LayersMount layers:
                    Bind(Union(layers, work), layers.SubPath, layers.Target, layers.ReadOnly, merged, stubs);
                    break;
                case TmpfsMount tmpfs:
                    Ensure(stubs, tmpfs.Target, directory: true);
                    var size = tmpfs.SizeBytes is { } bytes ? ",size=" + bytes.ToString(CultureInfo.InvariantCulture) : "";
                    Syscalls.Mount("tmpfs", merged + tmpfs.Target, "tmpfs", Syscalls.MountNoSuid | Syscalls.MountNoDev, "mode=1777" + size);
                    break;
                case ContentMount content:
                    // Not executable (a secret) unless it is a script to run (a RUN heredoc with #!).
                    var flags = Syscalls.MountNoSuid | Syscalls.MountNoDev | (content.Executable ? 0 : Syscalls.MountNoExec);
                    Syscalls.Mount("tmpfs", work, "tmpfs", flags, "mode=0755,size=" + (content.Content.Length + 65536).ToString(CultureInfo.InvariantCulture));
                    var file = Path.Combine(work, "content");
                    File.WriteAllBytes(file, content.Content);
                    File.SetUnixFileMode(file, (UnixFileMode)content.Mode);
                    using (var handle = File.OpenHandle(file))
                    {
                        Syscalls.ChangeOwner(handle, content.Uid, content.Gid);
                    }

                    if (content.Target.StartsWith("/dev/", StringComparison.Ordinal))
                    {
                        inDev.Add((file, content.Target));
                        break;
                    }

                    Bind(work, "content", content.Target, readOnly: true, merged, stubs);
                    break;
            }
        }

        return inDev;
    }

    /// <summary>The union's root: a single layer as it is, several read-only, or writable over a throwaway upper dir.</summary>
    private static string Union(LayersMount layers, string work)
    {
        var root = Directory.CreateDirectory(Path.Combine(work, "root")).FullName;
        if (layers.ReadOnly && layers.LowerDirs.Count == 1)
        {
            return layers.LowerDirs[0];
        }

        if (layers.ReadOnly && layers.LowerDirs.Count == 0)
        {
            return root;
        }

        var lowers = layers.LowerDirs.Count > 0 ? layers.LowerDirs : [Directory.CreateDirectory(Path.Combine(work, "empty")).FullName];
        if (layers.ReadOnly)
        {
            Syscalls.MountOverlay(root, lowers, null, null, Syscalls.MountAttrReadOnly);
        }
        else
        {
            var upper = Directory.CreateDirectory(Path.Combine(work, "upper")).FullName;
            var overlayWork = Directory.CreateDirectory(Path.Combine(work, "work")).FullName;
            Syscalls.MountOverlay(root, lowers, upper, overlayWork, 0);
        }

        return root;
    }

    private static void Bind(string root, string subPath, string target, bool readOnly, string merged, MountPointStubs stubs)
    {
        using var rootHandle = Syscalls.OpenResolutionRoot(root);
        Microsoft.Win32.SafeHandles.SafeFileHandle source;
        try
        {
            source = Syscalls.OpenInRoot(rootHandle, subPath.TrimStart('/'), followLast: true);
        }
        catch (LinuxException e)
        {
            throw new SandboxException($"the mount source {(subPath.Length == 0 ? "/" : subPath)} for {target} does not exist ({e.Message})");
        }

        using (source)
        {
            var isDirectory = Syscalls.FStat(source).FileType == FileStatus.TypeDirectory;
            Ensure(stubs, target, isDirectory);
            var at = merged + target;
            Syscalls.Mount(Syscalls.PathOfDescriptor(source), at, null, Syscalls.MountBind | Syscalls.MountRecursive, null);
            // The whole bound tree, submounts included (a mount point inside the context, a /dev
            // bound into it): nosuid and nodev always, read-only when asked.
            var attributes = Syscalls.MountAttrNoSuid | Syscalls.MountAttrNoDev;
            Syscalls.SetMountAttributesRecursively(at, readOnly ? attributes | Syscalls.MountAttrReadOnly : attributes);
        }
    }

    private static void Ensure(MountPointStubs stubs, string target, bool directory)
    {
        if (!stubs.Ensure(target, directory))
        {
            throw new SandboxException($"cannot mount at {target}: something in the path is a symlink, or not a {(directory ? "directory" : "file")}");
        }
    }
}
