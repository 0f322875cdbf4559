using System.Globalization;
using System.Text;
using ImageBuilder.Linux.Native;
using static Tmds.Linux.LibC;

namespace ImageBuilder.Linux.Rootless;

/// <summary>How to re-execute ibuild in a user namespace: the command line, a warning to print first, and the id maps the namespace gets.</summary>
public sealed record UserNamespacePlan(IReadOnlyList<string> Argv, string? Warning, IdMap Users, IdMap Groups);

/// <summary>
/// Rootless mode's entry, as Podman does it: an ordinary user's ibuild re-executes itself through
/// util-linux <c>unshare</c> in a new user and mount namespace where the user is root (uid and gid
/// 0) and ids 1… are the user's subordinate range from /etc/subuid and /etc/subgid, mapped by
/// newuidmap/newgidmap (Debian's uidmap). A process with threads cannot create a user namespace,
/// and a .NET process has threads from its first instruction, so it takes an exec; unshare is the
/// single-threaded helper that does it. Without subordinate ids (or without uidmap) only the user
/// is mapped, with a warning: images whose files belong to other ids then fail with a clear error.
/// </summary>
public static class UserNamespaceEntry
{
    /// <summary>
    /// The plan for <paramref name="self"/> (the command that runs ibuild again) as user
    /// <paramref name="userName"/> (<paramref name="uid"/>, primary group <paramref name="gid"/>).
    /// </summary>
    public static UserNamespacePlan Plan(
        IReadOnlyList<string> self, string unshare, string userName, uint uid, uint gid, IReadOnlyList<SubordinateRange> subuids,
        IReadOnlyList<SubordinateRange> subgids, bool idMapToolsInstalled)
    {
        List<string> argv = [unshare, "--user", "--mount", "--propagation", "private", "--map-root-user"];
        List<IdRange> users = [new(0, uid, 1)];
        List<IdRange> groups = [new(0, gid, 1)];
        string? warning = null;
        if (subuids.Count > 0 && subgids.Count > 0 && idMapToolsInstalled)
        {
            // unshare maps one range besides the user; the first is the one useradd made.
            argv.Add($"--map-users={subuids[0].Start},1,{subuids[0].Count}");
            argv.Add($"--map-groups={subgids[0].Start},1,{subgids[0].Count}");
            users.Add(new IdRange(1, subuids[0].Start, subuids[0].Count));
            groups.Add(new IdRange(1, subgids[0].Start, subgids[0].Count));
        }
        else
        {
            var why = subuids.Count > 0 && subgids.Count > 0
                ? "newuidmap and newgidmap are missing (Debian package uidmap)"
                : $"{userName} has no subordinate ids in {SubordinateIds.UsersFile} and {SubordinateIds.GroupsFile}";
            warning = $"ibuild: warning: {why}: running rootless with only your own id (as root); "
                + "a layer whose files belong to other users or groups will fail. Fix: "
                + (idMapToolsInstalled ? "" : "apt-get install uidmap, and ")
                + SubordinateIds.FixCommand(userName);
        }

        argv.Add("--");
        argv.AddRange(self);
        return new UserNamespacePlan(argv, warning, new IdMap(users), new IdMap(groups));
    }

    /// <summary>
    /// The plan for this process's user, from /etc/subuid, /etc/subgid and the tools installed now,
    /// for <paramref name="command"/> (unshare named bare when it is not on PATH: entering then refuses).
    /// </summary>
    public static UserNamespacePlan PlanForCurrentUser(IReadOnlyList<string> command)
    {
        uint uid = geteuid();
        var userName = Environment.UserName;
        var toolsInstalled = ProgramPath.Find("newuidmap") is not null && ProgramPath.Find("newgidmap") is not null;
        return Plan(
            command, ProgramPath.Find("unshare") ?? "unshare", userName, uid, getegid(), SubordinateIds.Read(SubordinateIds.UsersFile, userName, uid),
            SubordinateIds.Read(SubordinateIds.GroupsFile, userName, uid), toolsInstalled);
    }

    /// <summary>
    /// As root: returns, nothing to do. As any other user: prints the plan's warning (unless
    /// <paramref name="warned"/> already) and execs ibuild again in the namespace (with
    /// <see cref="HostMode.RootlessVariable"/> set, and what <see cref="NamespaceHandOff"/> holds); returns only by throwing
    /// <see cref="RootlessException"/> when that cannot start.
    /// </summary>
    public static void EnterIfNotRoot(IReadOnlyList<string> arguments, TextWriter stderr, bool warned = false)
    {
        uint uid = geteuid();
        if (uid == 0)
        {
            return;
        }

        if (WhyUnavailable(SystemFile.ReadOrNull) is { } why)
        {
            throw new RootlessException(why);
        }

        var plan = PlanForCurrentUser([.. Self(), .. arguments]);
        if (!Path.IsPathRooted(plan.Argv[0]))
        {
            throw new RootlessException("rootless ibuild needs unshare (Debian package util-linux) on PATH");
        }

        if (!warned && plan.Warning is { } warning)
        {
            stderr.WriteLine(warning);
            stderr.Flush();
        }

        Environment.SetEnvironmentVariable(HostMode.RootlessVariable, uid.ToString(CultureInfo.InvariantCulture));
        Environment.SetEnvironmentVariable(NamespaceHandOff.Variable, NamespaceHandOff.Pack());
        Exec(plan.Argv);
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a pipe, socket or device (<c>&lt;(command)</c>, a FIFO, a
    /// terminal): what ibuild reads there is gone when it starts again in the namespace, so a
    /// command reading it enters first.
    /// </summary>
    public static bool ReadableOnce(string path) => Syscalls.IsSpecialFile(path);


    /// <summary>
    /// Why this kernel refuses an ordinary user a user namespace, read from its settings
    /// (<paramref name="read"/> gives a /proc/sys file's text, null when it is missing), or null:
    /// said before unshare would fail with a bare "Operation not permitted".
    /// </summary>
    public static string? WhyUnavailable(Func<string, string?> read)
    {
        const string Fix = "; rootless ibuild needs them (or run it as root)";
        if (read("/proc/sys/user/max_user_namespaces")?.Trim() == "0")
        {
            return "user namespaces are disabled on this machine (/proc/sys/user/max_user_namespaces is 0: sysctl -w user.max_user_namespaces=28633 as root)" + Fix;
        }

        if (read("/proc/sys/kernel/unprivileged_userns_clone")?.Trim() == "0")
        {
            return "this kernel lets only root create user namespaces (sysctl kernel.unprivileged_userns_clone=1 as root)" + Fix;
        }

        return read("/proc/sys/kernel/apparmor_restrict_unprivileged_userns")?.Trim() == "1"
            ? "AppArmor restricts user namespaces to programs with a profile allowing them (kernel.apparmor_restrict_unprivileged_userns=1: "
                + "give ibuild a profile with 'userns,' or set it to 0 as root)" + Fix
            : null;
    }

    /// <summary>The command that runs this program again: the NativeAOT binary, or dotnet and the entry assembly.</summary>
    private static IReadOnlyList<string> Self()
    {
        var process = Environment.ProcessPath ?? throw new RootlessException("cannot tell which program is running (no /proc/self/exe?)");
        var entry = Environment.GetCommandLineArgs()[0];
        return Path.GetFileNameWithoutExtension(process) == "dotnet" && entry.EndsWith(".dll", StringComparison.Ordinal)
            ? [process, entry]
            : [process];
    }

    private static unsafe void Exec(IReadOnlyList<string> argv)
    {
        var environment = Environment.GetEnvironmentVariables();
        var envp = environment.Keys.Cast<string>().Select(key => $"{key}={environment[key]}").ToList();
        var nativeArgv = NativeStrings.Allocate(argv);
        var nativeEnvp = NativeStrings.Allocate(envp);
        // The new program inherits this thread's signal mask (a thread-pool thread's, after a
        // build outside the namespace): it starts with none blocked, as from a shell.
        Tmds.Linux.sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, null);
        fixed (byte* path = Encoding.UTF8.GetBytes(argv[0] + "\0"))
        {
            execve(path, (byte**)nativeArgv, (byte**)nativeEnvp);
        }

        throw new RootlessException($"could not run {argv[0]} to enter a user namespace (errno {errno})");
    }
}

/// <summary>Rootless mode could not be entered or cannot do what was asked.</summary>
public sealed class RootlessException(string message) : Exception(message);
