using System.Runtime.InteropServices;
using System.Text;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Rootless;
using Microsoft.Win32.SafeHandles;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// The init side of the sandbox: ibuild-init (a NativeAOT program) started as PID 1 of the new PID
/// namespace, inside the mount namespace where the parent mounted the overlay. It mounts /proc,
/// /sys and /dev, masks what runc masks, binds the generated /etc files, then pivots into the
/// root, drops capabilities, sets the ids and execs the command, which stays PID 1: when it ends
/// the kernel kills whatever it left in the namespace. It must run before anything else in the
/// process touches Console or starts work on other threads, on the main thread, synchronously.
/// </summary>
public static class SandboxInit
{
    /// <summary>Docker's default capability set (CapEff 00000000a80425fb).</summary>
    public const ulong DefaultCapabilities =
        (1UL << 0) | (1UL << 1) | (1UL << 3) | (1UL << 4) | (1UL << 5) | (1UL << 6) | (1UL << 7) | (1UL << 8)
        | (1UL << 10) | (1UL << 13) | (1UL << 18) | (1UL << 27) | (1UL << 29) | (1UL << 31);

    // runc's defaults: files get /dev/null bound over them, directories an empty read-only tmpfs.
    private static readonly string[] MaskedPaths =
    [
        "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    ];

    private static readonly string[] ReadOnlyPaths =
        ["/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

    private static readonly (string Name, int Major, int Minor)[] Devices =
        [("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0)];

    /// <summary>The init's whole life; returns (an exit code) only when setting up failed.</summary>
    public static int Run()
    {
        try
        {
            InitRequest request;
            using (var stdin = new FileStream(new SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 1))
            {
                request = InitRequest.ReadFrom(stdin);
            }

            // Its own session (no controlling terminal: the step cannot reach ibuild's terminal),
            // and death with ibuild from the start, not only from the exec on.
            Syscalls.StartSessionAndDieWithParent();
            Syscalls.SetUmask(0);
            MountSystem(request);
            // The request pipe stays open (close-on-exec) beside the command's /dev/null (the
            // step's own, so it reads as /dev/null inside): ibuild holds the pipe's write end for
            // the whole step, and PivotAndExec checks just before exec that it is still there.
            var parent = Syscalls.MoveStandardInputAside(request.Root + "/dev/null");
            LimitOpenFiles(request);
            var exec = Prepare(request, parent);
            Syscalls.BindExecImports();
            Syscalls.PivotAndExec(exec);
            return 125;
        }
        catch (Exception e)
        {
            using var stderr = new FileStream(new SafeFileHandle(2, ownsHandle: false), FileAccess.Write, 1);
            stderr.Write(Encoding.UTF8.GetBytes($"ibuild: sandbox: {e.Message}\n"));
            return 125;
        }
    }

    /// <summary>The init's own permitted capabilities (what ibuild itself may pass on: a container may run ibuild with fewer than all).</summary>
    private static ulong PermittedNow()
    {
        var line = File.ReadAllLines("/proc/self/status").First(l => l.StartsWith("CapPrm:", StringComparison.Ordinal));
        return ulong.Parse(line["CapPrm:".Length..].Trim(), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static void MountSystem(InitRequest request)
    {
        var root = request.Root;
        Syscalls.Mount("proc", root + "/proc", "proc", Syscalls.MountNoSuid | Syscalls.MountNoDev | Syscalls.MountNoExec, null);
        MountSys(root + "/sys");

        var dev = root + "/dev";
        // /dev is nodev, like the overlay root: a step keeps CAP_MKNOD (Docker's default set) and
        // may create device nodes, but can never open one it made (or one an image shipped) —
        // the host's disks stay out of reach. The standard devices are the host's own nodes
        // bind-mounted in: a bind mount has its own flags, so these work.
        Syscalls.Mount("tmpfs", dev, "tmpfs", Syscalls.MountNoSuid | Syscalls.MountNoDev | Syscalls.MountStrictAtime, "mode=755,size=65536k");
        foreach (var (name, _, _) in Devices)
        {
            File.Create($"{dev}/{name}").Dispose();
            Syscalls.Mount($"/dev/{name}", $"{dev}/{name}", null, Syscalls.MountBind, null);
        }

        Syscalls.MakeDirectory(dev + "/pts", 0x1ed);
        // The tty group owns the ptys, when it exists: rootless without subordinate ids maps only gid 0.
        var ttyGroup = HostMode.Current.Groups.Contains(5) ? ",gid=5" : "";
        Syscalls.Mount("devpts", dev + "/pts", "devpts", Syscalls.MountNoSuid | Syscalls.MountNoExec, "newinstance,ptmxmode=0666,mode=0620" + ttyGroup);
        Syscalls.MakeSymlink("pts/ptmx", dev + "/ptmx");
        Syscalls.MakeDirectory(dev + "/shm", 0x3ff); // 01777
        Syscalls.Mount("shm", dev + "/shm", "tmpfs", Syscalls.MountNoSuid | Syscalls.MountNoDev | Syscalls.MountNoExec, "mode=1777,size=65536k");
        Syscalls.MakeSymlink("/proc/self/fd", dev + "/fd");
        Syscalls.MakeSymlink("/proc/self/fd/0", dev + "/stdin");
        Syscalls.MakeSymlink("/proc/self/fd/1", dev + "/stdout");
        Syscalls.MakeSymlink("/proc/self/fd/2", dev + "/stderr");

        // RUN --security=insecure sees /proc and /sys as they are (what it was allowed for).
        foreach (var path in request.Insecure ? [] : MaskedPaths)
        {
            var type = TypeOf(root + path);
            if (type == FileStatus.TypeDirectory)
            {
                Syscalls.Mount("tmpfs", root + path, "tmpfs", Syscalls.MountReadOnly, null);
            }
            else if (type != 0)
            {
                Syscalls.Mount(dev + "/null", root + path, null, Syscalls.MountBind, null);
            }
        }

        foreach (var path in request.Insecure ? [] : ReadOnlyPaths)
        {
            if (TypeOf(root + path) != 0)
            {
                Syscalls.BindReadOnly(root + path);
            }
        }

        foreach (var (source, target) in request.FileBinds)
        {
            var inDev = target.StartsWith("/dev/", StringComparison.Ordinal);
            if (inDev)
            {
                // In the step's own /dev, the tmpfs made above (a RUN heredoc's script): a stub to bind onto, read-only.
                Directory.CreateDirectory(Path.GetDirectoryName(root + target)!);
                File.Create(root + target).Dispose();
            }

            Syscalls.Mount(source, root + target, null, Syscalls.MountBind, null);
            if (inDev)
            {
                // Read-only, and (unlike BindReadOnly) executable: it is the command the step runs.
                Syscalls.SetMountAttributesRecursively(root + target, Syscalls.MountAttrReadOnly | Syscalls.MountAttrNoSuid | Syscalls.MountAttrNoDev);
            }
        }
    }

    /// <summary>
    /// A fresh read-only sysfs. A user namespace may mount sysfs only for a network namespace it
    /// owns, so a rootless step on the host's network (<c>--network host</c>) gets the host's
    /// /sys bound read-only instead, as Podman does.
    /// </summary>
    private static void MountSys(string target)
    {
        const ulong Flags = Syscalls.MountReadOnly | Syscalls.MountNoSuid | Syscalls.MountNoDev | Syscalls.MountNoExec;
        try
        {
            Syscalls.Mount("sysfs", target, "sysfs", Flags, null);
        }
        catch (LinuxException e) when (e.Errno == 1 && HostMode.Current.InUserNamespace)
        {
            Syscalls.Mount("/sys", target, null, Syscalls.MountBind | Syscalls.MountRecursive, null);
            Syscalls.SetMountAttributesRecursively(target, Syscalls.MountAttrReadOnly | Syscalls.MountAttrNoSuid | Syscalls.MountAttrNoDev | Syscalls.MountAttrNoExec);
        }
    }

    /// <summary>
    /// RLIMIT_NOFILE as asked, never above the hard limit ibuild itself has (raising it would
    /// need CAP_SYS_RESOURCE, and the host's limit is the host's); the soft limit never above
    /// the hard one. Every other limit is inherited from ibuild, as BuildKit leaves them.
    /// </summary>
    private static void LimitOpenFiles(InitRequest request)
    {
        var (_, inherited) = Syscalls.GetOpenFileLimit();
        var hard = Math.Min(request.OpenFilesHard, inherited);
        Syscalls.SetOpenFileLimit(Math.Min(request.OpenFilesSoft, hard), hard);
    }

    /// <summary>The file type bits of a path in the fresh /proc or /sys, or 0 when it is not there.</summary>
    private static uint TypeOf(string path)
    {
        try
        {
            return Syscalls.LStat(path).FileType;
        }
        catch (LinuxException e) when (e.Errno == 2)
        {
            return 0;
        }
    }

    private static PreparedExec Prepare(InitRequest request, int parent)
    {
        var prefixes = new List<nint>();
        var names = new List<nint>();
        var path = "";
        foreach (var name in request.WorkingDirectory.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + name;
            prefixes.Add(Marshal.StringToCoTaskMemUTF8(path));
            names.Add(Marshal.StringToCoTaskMemUTF8(name));
        }

        var command = request.Argv.Count > 0 ? request.Argv[0] : "";
        var lastCapability = int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture);
        return new PreparedExec
        {
            NewRootFd = Syscalls.OpenRaw(request.Root, directory: true),
            OldRootFd = Syscalls.OpenRaw("/", directory: true),
            ParentFd = parent,
            WorkingDirectoryPrefixes = [.. prefixes],
            WorkingDirectoryNames = [.. names],
            OpenDirectoryFlags = Tmds.Linux.LibC.O_PATH | Tmds.Linux.LibC.O_DIRECTORY | Tmds.Linux.LibC.O_CLOEXEC,
            Candidates = [.. request.Candidates.Select(c => Marshal.StringToCoTaskMemUTF8(c))],
            Argv = NativeStrings.Allocate(request.Argv),
            Envp = NativeStrings.Allocate(request.Env),
            Uid = request.Uid,
            Gid = request.Gid,
            // Rootless: only the groups the user namespace maps, and none at all where setgroups
            // is denied (mapped without newgidmap); the kernel refuses anything else.
            Groups = [.. request.Groups.Where(g => HostMode.Current.Groups.Contains(g))],
            SetGroups = SystemFile.ReadOrNull("/proc/self/setgroups")?.Trim() != "deny",
            KeptCapabilities = request.Insecure ? PermittedNow() & ((2UL << lastCapability) - 1) : DefaultCapabilities,
            LastCapability = lastCapability,
            SyscallFilter = Syscalls.PrepareSyscallFilter(request.SyscallFilter),
            NotFoundMessage = Encoding.UTF8.GetBytes($"ibuild: sandbox: {command}: executable file not found (errno "),
            ExecFailedMessage = Encoding.UTF8.GetBytes($"ibuild: sandbox: {command}: cannot execute (errno "),
            SetupFailedMessage = Encoding.UTF8.GetBytes("ibuild: sandbox: setting up the container (root, capabilities, ids) failed (errno "),
            WorkingDirectoryMessage = Encoding.UTF8.GetBytes($"ibuild: sandbox: working directory {request.WorkingDirectory}: cannot be made or entered inside the container's root (a /proc magic link, a file, or a dangling symlink on the way?) (errno "),
            ParentGoneMessage = Encoding.UTF8.GetBytes($"ibuild: sandbox: ibuild went away before {command} started; not running it (errno "),
        };
    }
}
