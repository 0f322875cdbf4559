using Tmds.Linux;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Native;

// Overlay mounts through the new mount API (fsopen, fsconfig, fsmount, move_mount), which takes
// each lower dir on its own ("lowerdir+", Linux 6.8+): the single mount(2) option string is
// limited to one page, which a few dozen store paths already fill. Kernels without lowerdir+
// get the classic option string.
public static unsafe partial class Syscalls
{
    /// <summary>mount attributes (MOUNT_ATTR_*).</summary>
    internal const ulong MountAttrReadOnly = 0x1, MountAttrNoSuid = 0x2, MountAttrNoDev = 0x4, MountAttrNoExec = 0x8;

    private const int FsconfigSetFlag = 0, FsconfigSetString = 1, FsconfigCmdCreate = 6, FsopenCloexec = 1, FsmountCloexec = 1, MoveMountEmptyPath = 4;
    private const int AtFdCwd = -100;

    // The generic syscall table: the same numbers on x86-64 and arm64.
    private const int MoveMountCall = 429, FsopenCall = 430, FsconfigCall = 431, FsmountCall = 432, MountSetattrCall = 442;
    private const int AtSymlinkNoFollow = 0x100, AtRecursive = 0x8000;

    /// <summary>
    /// mount_setattr(2) with AT_RECURSIVE: sets the MOUNT_ATTR_* <paramref name="attributes"/> on
    /// the mount at <paramref name="target"/> and on every mount below it. A bind remount changes
    /// only the top mount, so a mount point inside a read-only bind's source (or a /dev bound
    /// into it) would stay writable, suid and dev without this.
    /// </summary>
    internal static void SetMountAttributesRecursively(string target, ulong attributes)
    {
        var attr = stackalloc ulong[4]; // struct mount_attr { attr_set, attr_clr, propagation, userns_fd }
        attr[0] = attributes;
        attr[1] = 0;
        attr[2] = 0;
        attr[3] = 0;
        fixed (byte* path = Bytes(target))
        {
            Check((long)syscall(MountSetattrCall, AtFdCwd, path, AtRecursive | AtSymlinkNoFollow, attr, 32) != -1, $"mount_setattr on {target}");
        }
    }

    /// <summary>
    /// Mounts an overlay at <paramref name="target"/>: <paramref name="lowerDirs"/> top first, and
    /// <paramref name="upperDir"/> with <paramref name="workDir"/> when writable (null: read-only).
    /// <paramref name="attributes"/> are MOUNT_ATTR_* flags (<see cref="MountAttrNoDev"/>, …).
    /// </summary>
    internal static void MountOverlay(string target, IReadOnlyList<string> lowerDirs, string? upperDir, string? workDir, ulong attributes)
    {
        if (lowerDirs.Count > Mounts.OverlayLimits.MaxLowerLayers)
        {
            // Said before the kernel refuses the 501st lowerdir+ with a bare EINVAL.
            throw new LinuxException(
                $"mount overlay on {target} with {lowerDirs.Count} lower layers (overlayfs stacks at most {Mounts.OverlayLimits.MaxLowerLayers}, OVL_MAX_STACK)", 7);
        }

        foreach (var dir in lowerDirs.Append(upperDir ?? "").Append(workDir ?? ""))
        {
            if (dir.IndexOfAny([',', ':', '\\']) >= 0)
            {
                throw new ArgumentException($"overlay paths may not contain ',', ':' or '\\': {dir}", nameof(lowerDirs));
            }
        }

        // A volatile overlay leaves work/incompat/volatile in its workdir, and the kernel refuses
        // to mount that workdir again until it is gone (the mark says: the upper dir may be
        // incomplete after a crash). ibuild decides that itself (DurableTree before a commit;
        // scratch is discarded), so a workdir mounted again (file work after its fallback, a
        // test's sandboxes) just drops the mark.
        if (workDir is not null && Directory.Exists(Path.Combine(workDir, "work", "incompat", "volatile")))
        {
            Directory.Delete(Path.Combine(workDir, "work", "incompat", "volatile"), recursive: true);
        }

        int context;
        fixed (byte* name = Bytes("overlay"))
        {
            context = (int)(long)syscall(FsopenCall, name, FsopenCloexec);
        }

        if (context == -1)
        {
            MountOverlayClassic(target, lowerDirs, upperDir, workDir, attributes);
            return;
        }

        try
        {
            foreach (var lower in lowerDirs)
            {
                if (!SetString(context, "lowerdir+", lower))
                {
                    // No lowerdir+ (before Linux 6.8): the classic option string, if it fits.
                    MountOverlayClassic(target, lowerDirs, upperDir, workDir, attributes);
                    return;
                }
            }

            if (upperDir is not null)
            {
                Check(SetString(context, "upperdir", upperDir), $"overlay upperdir {upperDir}");
                Check(SetString(context, "workdir", workDir ?? throw new ArgumentNullException(nameof(workDir))), $"overlay workdir {workDir}");

                // Whatever the kernel's default (CONFIG_OVERLAY_FS_INDEX): with the index, a lower
                // file linked in a step keeps a name in workdir/index, outside the upper dir, which
                // DurableTree takes for a file shared with a durable snapshot. Docker's overlay2 sets it too.
                Check(SetString(context, "index", "off"), "overlay index=off");

                // No sync of the whole upper file system when the overlay goes away (its
                // superblock's sync_fs is a syncfs of the upper's: 39 ms after small's 20 MB
                // RUN, the whole disk's dirty pages in general), and fsync inside a step a no-op
                // (dpkg's, per file): ibuild makes the step's upper dir durable itself, file by
                // file (DurableTree). Linux 5.10 and later; without it the mount is as before.
                fixed (byte* flag = Bytes("volatile"))
                {
                    syscall(FsconfigCall, context, FsconfigSetFlag, flag, 0, 0);
                }
            }

            if (Rootless.HostMode.Current.InUserNamespace)
            {
                fixed (byte* flag = Bytes("userxattr"))
                {
                    Check((long)syscall(FsconfigCall, context, FsconfigSetFlag, flag, 0, 0) != -1, "overlay userxattr");
                }
            }

            Check((long)syscall(FsconfigCall, context, FsconfigCmdCreate, 0, 0, 0) != -1, $"overlay on {target} ({lowerDirs.Count} layers)");
            var mount = (int)(long)syscall(FsmountCall, context, FsmountCloexec, (int)attributes);
            Check(mount != -1, "fsmount overlay");
            try
            {
                fixed (byte* empty = Bytes(""))
                fixed (byte* path = Bytes(target))
                {
                    Check((long)syscall(MoveMountCall, mount, empty, AtFdCwd, path, MoveMountEmptyPath) != -1, $"move_mount overlay to {target}");
                }
            }
            finally
            {
                close(mount);
            }
        }
        finally
        {
            close(context);
        }
    }

    private static void MountOverlayClassic(string target, IReadOnlyList<string> lowerDirs, string? upperDir, string? workDir, ulong attributes)
    {
        var options = "lowerdir=" + string.Join(':', lowerDirs) + (upperDir is null ? "" : $",upperdir={upperDir},workdir={workDir},index=off,volatile")
            + (Rootless.HostMode.Current.InUserNamespace ? ",userxattr" : "");
        if (options.Length >= 4096)
        {
            throw new LinuxException($"mount overlay on {target}: {lowerDirs.Count} layers are too many for this kernel (it has no lowerdir+)", 7);
        }

        var flags = ((attributes & MountAttrReadOnly) != 0 ? MountReadOnly : 0) | ((attributes & MountAttrNoSuid) != 0 ? MountNoSuid : 0)
            | ((attributes & MountAttrNoDev) != 0 ? MountNoDev : 0);
        try
        {
            Mount("overlay", target, "overlay", flags, options);
        }
        catch (LinuxException e) when (e.Errno == 22 && upperDir is not null)
        {
            // Before Linux 5.10 there is no volatile option: the mount as it was.
            Mount("overlay", target, "overlay", flags, options.Replace(",volatile", "", StringComparison.Ordinal));
        }
    }

    private static bool SetString(int context, string key, string value)
    {
        fixed (byte* k = Bytes(key))
        fixed (byte* v = Bytes(value))
        {
            return (long)syscall(FsconfigCall, context, FsconfigSetString, k, v, 0) != -1;
        }
    }

    private static void Check(bool ok, string what)
    {
        if (!ok)
        {
            throw new LinuxException(what, errno);
        }
    }

    private static byte[] Bytes(string value) => System.Text.Encoding.UTF8.GetBytes(value + "\0");
}
