using System.Globalization;
using System.Text;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    /// <summary>RUN: its mounts resolved first (their sources are part of the key), then the step.</summary>
    private async Task<LayerChain> RunStepAsync(RunStep run, LayerChain chain, CancellationToken cancellationToken)
    {
        var mounts = await ResolveMountsAsync(run, cancellationToken);
        return await StepAsync(run, chain, [.. mounts.KeyParts],
            (root, handle) => RunAsync(run, root, handle, mounts, cancellationToken), cancellationToken);
    }

    private async Task<RunMounts> ResolveMountsAsync(RunStep run, CancellationToken cancellationToken)
    {
        var resolved = new RunMounts(Store);
        if (run.Script is { } script)
        {
            // A RUN heredoc starting with #!: the file its argv runs (in the key through the step's description).
            resolved.Add(_ => new StepContentMount(script.Path, System.Text.Encoding.UTF8.GetBytes(script.Content), 0x1ed, 0, 0, Executable: true));
        }

        foreach (var planned in run.Mounts)
        {
            switch (planned.Mount.Type)
            {
                case "bind":
                    await AddBindAsync(run, planned, resolved, cancellationToken);
                    break;
                case "cache":
                    AddCache(run, planned, resolved);
                    break;
                case "tmpfs":
                    resolved.Add(_ => new StepTmpfsMount(planned.Target, planned.Mount.Size));
                    break;
                case "secret":
                    AddSecret(run, planned, resolved);
                    break;
                case "ssh":
                    AddSsh(run, planned, resolved);
                    break;
                default:
                    throw Located(ErrorCode.NotImplemented, $"RUN --mount=type={planned.Mount.Type} is not supported yet", run);
            }
        }

        // As BuildKit: the first ssh mount is the step's agent unless the step's environment names one.
        if (run.Mounts.FirstOrDefault(m => m.Mount.Type == "ssh") is { } ssh && !run.Environment.Any(e => e.StartsWith("SSH_AUTH_SOCK=", StringComparison.Ordinal)))
        {
            resolved.Environment.Add("SSH_AUTH_SOCK=" + ssh.Target);
        }

        return resolved;
    }

    /// <summary>
    /// An ssh agent (<c>--ssh ID</c>) at the target, through a proxy made in the step's scratch
    /// that only lists keys and signs, owned by uid:gid with the mount's mode (0600 by default);
    /// a missing agent fails only when required. Nothing of it enters the key.
    /// </summary>
    private void AddSsh(RunStep run, PlannedMount planned, RunMounts resolved)
    {
        var mount = planned.Mount;
        var id = mount.Id is { Length: > 0 } given ? given : "default";
        if (!shared.Options.SshAgents.TryGetValue(id, out var agent))
        {
            if (mount.Required)
            {
                throw Located(BuildErrors.StepSetupFailed, $"ssh agent {id} is required but was not given", run, $"pass one with --ssh {id}[=SOCKET|KEY…] (default: $SSH_AUTH_SOCK)");
            }

            return;
        }

        resolved.Add(scratch =>
        {
            var name = $"ssh-{resolved.Owned.Count}.sock";
            SshAgentProxy proxy;
            try
            {
                proxy = SshAgentProxy.Start(agent, Path.Combine(scratch, name));
            }
            catch (System.Net.Sockets.SocketException e)
            {
                throw Located(BuildErrors.StepSetupFailed, $"the ssh agent's socket for {planned.Target} cannot be made in {scratch}: {e.Message}", run,
                    "a socket's path holds at most 107 bytes: use a store (--root) with a shorter path");
            }

            resolved.Owned.Add(proxy);
            File.SetUnixFileMode(proxy.Path, (UnixFileMode)(mount.Mode ?? 0x180));
            shared.Machine.Files.SetOwner(proxy.Path, mount.Uid ?? 0, mount.Gid ?? 0);
            return new StepBindMount(planned.Target, scratch, name, ReadOnly: false);
        });
    }

    /// <summary>A bind of the context (its checksum in the key), of a stage (its key in the key) or of an image.</summary>
    private async Task AddBindAsync(RunStep run, PlannedMount planned, RunMounts resolved, CancellationToken cancellationToken)
    {
        var mount = planned.Mount;
        var source = (mount.Source ?? "").TrimStart('/');
        switch (planned.From)
        {
            case ContextSource contextSource:
                var context = ContextOf(run, contextSource);
                var direct = IsDirectBind(context, mount.ReadOnly);
                resolved.KeyParts.Add(Encoding.UTF8.GetBytes(ContextChecksum(run, context, source.Length == 0 ? "." : source, withOwners: direct).ToString()));
                resolved.Add(scratch => ContextBind(context, source, planned.Target, direct, mount.ReadOnly, scratch));
                break;
            case StageSource stageSource:
                var stageChain = (await stageResult(stageSource.StageIndex)).Chain;
                RequireMountable(run, stageChain.Layers.Count, $"--mount from stage {stageSource.StageIndex}");
                resolved.KeyParts.Add(Encoding.UTF8.GetBytes(stageChain.Key.ToString()));
                resolved.Add(_ => new StepLayersMount(planned.Target, stageChain.LowerDirs(Store), source, mount.ReadOnly));
                break;
            case ImageSource imageSource:
                var imageChain = await ImageChainAsync(imageSource.Image, cancellationToken);
                RequireMountable(run, imageChain.Layers.Count, "--mount from image");
                resolved.Add(_ => new StepLayersMount(planned.Target, imageChain.LowerDirs(Store), source, mount.ReadOnly));
                break;
        }
    }

    /// <summary>A cache mount: its directory in the store, locked for the step unless sharing=shared.</summary>
    private void AddCache(RunStep run, PlannedMount planned, RunMounts resolved)
    {
        var mount = planned.Mount;
        if (planned.From is not ContextSource { Name: null })
        {
            throw Located(ErrorCode.NotImplemented, "a cache mount seeded from= another stage or image is not supported yet", run);
        }

        var dir = Store.CacheMountPath(planned.CacheId);
        // Made when the step runs, not for a cached step (its owner is set in the step's user namespace).
        resolved.Add(_ => new StepBindMount(planned.Target, MakeCacheMount(dir, mount.Mode ?? 0x1ed, mount.Uid ?? 0, mount.Gid ?? 0), "", mount.ReadOnly));
        if (mount.Sharing != "shared")
        {
            resolved.LockFiles.Add(dir + ".lock");
        }
    }

    /// <summary>A secret as a file (the default), an environment variable (env=), or both; a missing one fails only when required.</summary>
    private void AddSecret(RunStep run, PlannedMount planned, RunMounts resolved)
    {
        var mount = planned.Mount;
        var secretId = mount.Id is { Length: > 0 } given ? given : Path.GetFileName(planned.Target);
        if (!shared.Options.Secrets.TryGetValue(secretId, out var secret))
        {
            if (mount.Required)
            {
                throw Located(BuildErrors.CopyFailed, $"secret {secretId} is required but was not given", run, $"pass it with --secret id={secretId},src=FILE");
            }

            return;
        }

        if (mount.Env is { Length: > 0 } variable)
        {
            resolved.Environment.Add($"{variable}={Encoding.UTF8.GetString(secret)}");
        }

        if (mount.Env is null || mount.Target is not null)
        {
            resolved.Add(_ => new StepContentMount(planned.Target, secret, mount.Mode ?? 0x100, mount.Uid ?? 0, mount.Gid ?? 0));
        }
    }

    /// <summary>
    /// A bind of the context: the directory itself when nothing is ignored and the mount is
    /// read-only; otherwise a copy of the source (with .dockerignore applied) in the step's
    /// scratch, so a step never sees an ignored file and rw writes are thrown away.
    /// </summary>
    private StepBindMount ContextBind(Context.BuildContext context, string source, string target, bool direct, bool readOnly, string scratch)
    {
        if (direct)
        {
            return new StepBindMount(target, context.Root, source, ReadOnly: true);
        }

        using var phase = BuildTrace.Phase("context copy");
        var copy = Directory.CreateDirectory(Path.Combine(scratch, "context-" + Random.Shared.Next().ToString("x8", CultureInfo.InvariantCulture))).FullName;
        shared.Machine.Files.CopyContext(context, source.Length == 0 ? "." : source, copy);
        return new StepBindMount(target, copy, "", readOnly);
    }

    /// <summary>Whether a bind of the context mounts the directory itself, whose files keep their owners (copies are 0:0).</summary>
    private static bool IsDirectBind(Context.BuildContext context, bool readOnly) => !context.HasIgnorePatterns && readOnly;

    private Core.Oci.Digest ContextChecksum(StepPlan step, Context.BuildContext context, string source, bool withOwners)
    {
        try
        {
            return context.Checksum([source], withOwners);
        }
        catch (Context.BuildContextException e)
        {
            throw CopyFailed(e.Reason, $"--mount source: {e.Message}", step);
        }
    }

    /// <summary>The context a bind mounts, read now if no step has yet; a directory that cannot be read fails the step.</summary>
    private Context.BuildContext ContextOf(StepPlan step, ContextSource source)
    {
        try
        {
            return shared.Contexts.Of(source);
        }
        catch (Context.BuildContextException e)
        {
            throw CopyFailed(e.Reason, $"--mount source: {e.Message}", step);
        }
    }

    /// <summary>A cache mount's directory, made (with its mode and owner) the first time its id is used.</summary>
    private string MakeCacheMount(string dir, int mode, int uid, int gid)
    {
        if (Directory.Exists(dir))
        {
            return dir;
        }

        var scratch = Store.CreateScratchDirectory();
        try
        {
            var made = Directory.CreateDirectory(Path.Combine(scratch, "dir")).FullName;
            File.SetUnixFileMode(made, (UnixFileMode)mode);
            shared.Machine.Files.SetOwner(made, uid, gid);
            Directory.Move(made, dir);
        }
        catch (IOException) when (Directory.Exists(dir))
        {
            // Another step made it first.
        }
        finally
        {
            TryDelete(scratch);
        }

        return dir;
    }

    /// <summary>A RUN step's mounts: what they add to the key, and how to make them once the step's scratch exists.</summary>
    private sealed class RunMounts(ContentStore store)
    {
        private readonly List<Func<string, StepMount>> makers = [];

        public List<byte[]> KeyParts { get; } = [];

        public List<string> Environment { get; } = [];

        public List<string> LockFiles { get; } = [];

        /// <summary>What the step's mounts hold while it runs (ssh agent proxies), let go when it ends.</summary>
        public List<IDisposable> Owned { get; } = [];

        public void Add(Func<string, StepMount> maker) => makers.Add(maker);

        public IReadOnlyList<StepMount> Prepare(string scratch) => makers.Select(m => m(scratch)).ToList();

        /// <summary>Holds the locks of cache mounts with sharing=locked (and private, treated alike) for the step's run.</summary>
        public IDisposable Lock() => new Locks(LockFiles.Select(f => StoreLock.Acquire(store.FileSystem, f, TimeSpan.FromHours(1))).ToList());

        private sealed class Locks(List<StoreLock> held) : IDisposable
        {
            public void Dispose() => held.ForEach(l => l.Dispose());
        }
    }
}
