using System.Diagnostics;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Linux.Native;
using ImageBuilder.Linux.Network;

namespace ImageBuilder.Linux.Sandbox;

/// <summary>
/// Runs one process in a container made from Linux primitives. The caller's thread never
/// changes namespace: a fresh thread joins the private network's namespace when
/// <see cref="SandboxSpec.Network"/> names one (setns), unshares mount, PID, UTS, IPC and cgroup
/// namespaces (and network for <see cref="SandboxNetwork.None"/>), makes every mount private, mounts the
/// overlay under the scratch dir, creates the mount-point stubs, sets the host name, brings
/// <c>lo</c> up (none), and starts the init (the native ibuild-init), which becomes PID 1 of the new
/// PID namespace and ends by exec'ing the command (see <see cref="SandboxInit"/>). That thread
/// stays parked until the command ends, so the init's parent-death signal fires only if ibuild
/// itself dies. Every mount lives in the thread's private mount namespace and vanishes with it;
/// the host never sees one. Afterwards the stubs are removed from the upper dir.
/// </summary>
public sealed partial class Sandbox(SandboxOptions options)
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";


    public async Task<SandboxResult> RunAsync(SandboxSpec spec, Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        if (spec.Argv.Count == 0)
        {
            throw new SandboxException("no command to run");
        }

        Rootless.HostMode.Current.RequireUserNamespace("running a container");
        using (BuildTrace.Phase("process support"))
        {
            ProcessSupport.EnsureStarted();
        }

        // ibuild run's private network lives as long as its one process.
        await using var ownNetwork = spec.Network == SandboxNetwork.Private ? await PrivateNetwork.StartAsync(cancellationToken) : null;
        var joined = ownNetwork ?? spec.Network.Shared;
        var merged = Path.Combine(spec.ScratchDir, "merged");
        var generated = Path.Combine(spec.ScratchDir, "etc");
        Directory.CreateDirectory(merged);
        Directory.CreateDirectory(generated);
        var lowerDirs = spec.LowerDirs.Count > 0 ? spec.LowerDirs : [Directory.CreateDirectory(Path.Combine(spec.ScratchDir, "empty")).FullName];
        WriteGeneratedFiles(generated, spec, joined is null ? null : PrivateNetwork.Nameserver);
        byte[] syscallFilter;
        using (BuildTrace.Phase("seccomp"))
        {
            syscallFilter = CompileSyscallFilter(spec);
        }

        var stubs = new MountPointStubs(merged, spec.UpperDir);
        // Every step gets its own cgroup when it has limits; the init is placed in it before it
        // execs the command, so the command and all it starts are counted from the first byte.
        using var cgroup = spec.Limits is { } limits
            ? Cgroups.CgroupScope.Create($"{Environment.ProcessId}-{Path.GetFileName(spec.ScratchDir)}".Replace('/', '-'), limits)
            : null;
        var started = new Launch { Cgroup = cgroup, Network = joined?.Namespace };
        using var finished = new ManualResetEventSlim();
        var thread = new Thread(() => EnterAndStart(spec, lowerDirs, merged, generated, syscallFilter, stubs, started, finished))
        {
            IsBackground = true,
            Name = "ibuild sandbox",
        };
        var setup = BuildTrace.Phase("sandbox setup");
        try
        {
            thread.Start();
            // The thread in the new namespaces must not create threads, so it cannot complete a
            // task (that may start a pool thread); it sets an event, and a pool thread waits for it.
            await Task.Run(started.Ready.Wait, CancellationToken.None);
            setup.Dispose();
            using var process = started.Process ?? throw started.Error!;
            using var running = BuildTrace.Phase("process");
            // Held open for the whole step, closed when it ends (Process does not close a
            // standard input it handed out): the init's liveness check looks for this writer.
            using var parentPipe = process.StandardInput;
            using var kill = cancellationToken.Register(() => Kill(process));
            var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, CancellationToken.None);
            var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr, CancellationToken.None);
            await process.WaitForExitAsync(CancellationToken.None);
            await Task.WhenAll(copyOut, copyErr);
            cancellationToken.ThrowIfCancellationRequested();
            var code = process.ExitCode;
            var oomKilled = cgroup?.WasOomKilled ?? false;
            return code is > 128 and < 128 + 65 ? new SandboxResult(code, code - 128, oomKilled) : new SandboxResult(code, null, oomKilled);
        }
        finally
        {
            setup.Dispose();
            using var cleanup = BuildTrace.Phase("sandbox cleanup");
            finished.Set();
            if (thread.IsAlive)
            {
                thread.Join();
            }

            started.Ready.Dispose();
            stubs.Remove();
            TryDelete(() => Directory.Delete(merged));
            TryDelete(() => Directory.Delete(Path.Combine(spec.ScratchDir, "empty")));
            TryDelete(() => Directory.Delete(generated, recursive: true));
        }
    }

    /// <summary>The body of the thread that enters the new namespaces.</summary>
    private void EnterAndStart(
        SandboxSpec spec, IReadOnlyList<string> lowerDirs, string merged, string generated, byte[] syscallFilter,
        MountPointStubs stubs, Launch started, ManualResetEventSlim finished)
    {
        // Its spans end before the pool thread goes on: this thread is parked from then on.
        var mounting = default(TraceSpan);
        var starting = default(TraceSpan);
        try
        {
            // Joined first: the PID namespace's init and the mounts (sysfs) must see the step's network.
            started.Network?.Join();
            mounting = BuildTrace.Phase("mount");
            var flags = Syscalls.CloneNewNs | Syscalls.CloneNewPid | Syscalls.CloneNewUts | Syscalls.CloneNewIpc | Syscalls.CloneNewCgroup;
            Syscalls.Unshare(spec.Network == SandboxNetwork.None ? flags | Syscalls.CloneNewNet : flags);
            Syscalls.Mount(null, "/", null, Syscalls.MountRecursive | Syscalls.MountPrivate, null);
            Syscalls.MountOverlay(merged, lowerDirs, spec.UpperDir, spec.WorkDir, Syscalls.MountAttrNoDev);

            foreach (var directory in new[] { "/proc", "/sys", "/dev" })
            {
                if (!stubs.Ensure(directory, directory: true))
                {
                    throw new SandboxException($"the image's {directory} is not a directory");
                }
            }

            var binds = new List<(string, string)>();
            foreach (var name in new[] { "hosts", "resolv.conf", "hostname" })
            {
                // An image whose file (or /etc) is a symlink or something odd keeps its own: the
                // sandbox never mounts through a symlink.
                if (stubs.Ensure("/etc/" + name, directory: false))
                {
                    binds.Add((Path.Combine(generated, name), "/etc/" + name));
                }
            }

            var user = UserDatabase.Resolve(merged, spec.User);
            binds.AddRange(StepMounts.Attach(spec.Mounts ?? [], merged, spec.ScratchDir, stubs));
            mounting.Dispose();
            starting = BuildTrace.Phase("init start");
            Syscalls.SetHostName(spec.Hostname);
            if (spec.Network == SandboxNetwork.None)
            {
                Syscalls.BringLoopbackUp();
            }

            var env = WithDefaults(spec.Env, user);
            var openFiles = spec.OpenFiles ?? OpenFileLimit.Default;
            var request = new InitRequest(
                merged, spec.Argv, env, Candidates(spec.Argv[0], env), AbsoluteWorkingDirectory(spec.WorkingDirectory),
                user.Uid, user.Gid, user.Groups, binds, openFiles.Soft, openFiles.Hard)
            {
                SyscallFilter = syscallFilter,
                Insecure = spec.Insecure,
            };
            ProtectInitBinary();
            var process = Process.Start(InitStart()) ?? throw new SandboxException("the sandbox init did not start");
            try
            {
                started.Cgroup?.AddProcess(process.Id);
            }
            catch
            {
                // The init waits for its request: it has run nothing yet. End it, then report.
                Kill(process);
                process.WaitForExit();
                process.Dispose();
                throw;
            }

            // The request pipe's write end stays open until the step ends (disposing the
            // process closes it): the init checks, just before exec, that it still has a writer.
            if (options.AbandonInitBeforeExec)
            {
                Syscalls.StopProcess(process.Id, stop: true);
            }

            try
            {
                request.WriteTo(process.StandardInput.BaseStream);
                process.StandardInput.BaseStream.Flush();
            }
            catch (IOException)
            {
                // The init died early; its stderr says why.
            }

            if (options.AbandonInitBeforeExec)
            {
                process.StandardInput.Close();
                Syscalls.StopProcess(process.Id, stop: false);
            }

            started.Process = process;
            starting.Dispose();
            started.Ready.Set();
        }
        catch (Exception e)
        {
            mounting.Dispose();
            starting.Dispose();
            started.Error = e is SandboxException ? e : new SandboxException($"setting up the sandbox failed: {e.Message}", e);
            started.Ready.Set();
            return;
        }

        finished.Wait();
    }

    /// <summary>
    /// The CVE-2019-5736 class: until it execs the command, the step's PID 1 is ibuild-init from
    /// the host's disk, so a step that runs <c>/proc/self/exe</c> (with its own dynamic loader and
    /// LD_PRELOAD) holds that very file and could reopen it for writing — and the next build would
    /// run the attacker's init. In this thread's mount namespace, which the init and the step
    /// inherit, the binary is a read-only bind of itself: every open for writing through it, and
    /// through /proc/self/exe or /proc/self/fd/N of it, fails with EROFS.
    /// </summary>
    private void ProtectInitBinary()
    {
        Syscalls.Mount(options.InitPath, options.InitPath, null, Syscalls.MountBind, null);
        Syscalls.SetMountAttributesRecursively(options.InitPath, Syscalls.MountAttrReadOnly | Syscalls.MountAttrNoSuid | Syscalls.MountAttrNoDev);
    }

    private ProcessStartInfo InitStart()
    {
        var start = new ProcessStartInfo(options.InitPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        // The init is native code and needs no environment (the step's comes in the request);
        // an empty one also keeps DOTNET_* settings meant for ibuild away from its runtime.
        start.Environment.Clear();
        return start;
    }

    private static void Kill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>What the namespace thread hands back: the started init, or why it failed.</summary>
    private sealed class Launch
    {
        public ManualResetEventSlim Ready { get; } = new();

        public Process? Process { get; set; }

        public Cgroups.CgroupScope? Cgroup { get; init; }

        /// <summary>The private network's namespace the thread joins, if any.</summary>
        public NetworkNamespace? Network { get; init; }

        public Exception? Error { get; set; }
    }

    private static void TryDelete(Action delete)
    {
        try
        {
            delete();
        }
        catch (IOException)
        {
            // Missing, or left for the caller, who owns the scratch dir.
        }
    }
}
