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
    internal const ulong OverlayReadOnly = 0x1, OverlayNoSuid = 0x2, OverlayNoDev = 0x4;

    private const int FsconfigSetString = 1, FsconfigCmdCreate = 6, FsopenCloexec = 1, FsmountCloexec = 1, MoveMountEmptyPath = 4;
    private const int AtFdCwd = -100;

    // The generic syscall table: the same numbers on x86-64 and arm64.
    private const int MoveMountCall = 429, FsopenCall = 430, FsconfigCall = 431, FsmountCall = 432;

    /// <summary>
    /// Mounts an overlay at <paramref name="target"/>: <paramref name="lowerDirs"/> top first, and
    /// <paramref name="upperDir"/> with <paramref name="workDir"/> when writable (null: read-only).
    /// <paramref name="attributes"/> are MOUNT_ATTR_* flags (<see cref="OverlayNoDev"/>, …).
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
        var options = "lowerdir=" + string.Join(':', lowerDirs) + (upperDir is null ? "" : $",upperdir={upperDir},workdir={workDir}");
        if (options.Length >= 4096)
        {
            throw new LinuxException($"mount overlay on {target}: {lowerDirs.Count} layers are too many for this kernel (it has no lowerdir+)", 7);
        }

        var flags = ((attributes & OverlayReadOnly) != 0 ? MountReadOnly : 0) | ((attributes & OverlayNoSuid) != 0 ? MountNoSuid : 0)
            | ((attributes & OverlayNoDev) != 0 ? MountNoDev : 0);
        Mount("overlay", target, "overlay", flags, options);
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
