using ImageBuilder.Core.Hashing;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

internal sealed partial class StageRun
{
    /// <summary>
    /// A step that changes files: a cache hit reuses the recorded layer; otherwise the step's
    /// <paramref name="work"/> runs over a fresh upper dir (in a slot), the upper dir becomes a
    /// layer and a snapshot, and the record is written. A failed step writes nothing.
    /// </summary>
    private async Task<LayerChain> StepAsync(
        StepPlan step, LayerChain chain, byte[][] keyParts, Func<StepRoot, StepHandle, Task> work, CancellationToken cancellationToken,
        Dictionary<string, string>? files = null)
    {
        RequireStackable(step, chain.Layers.Count + (pending is null ? 0 : 1));
        var (key, cached) = LookUp(chain.Key, [step.Describe(), .. keyParts]);
        var remembered = Remembered(step, chain, key, keyParts, files);
        fileSteps++;
        BuildTrace.Annotate("cached", cached is not null);
        if (cached is not null)
        {
            chain = await SettleAsync(chain);
            var hit = shared.Progress.Start(step.Title);
            await EnsureSnapshotAsync(chain, cached, cancellationToken);
            shared.Progress.Cached(hit);
            shared.Totals.Cached();
            remembered?.Keep();
            return chain.Append(step.CreatedBy, cached, key);
        }

        // The step will pack a layer: OpenSSL's hashing loads meanwhile (4–5 ms otherwise in its way).
        Sha256.WarmUp();
        AnticipateRuns();
        using (BuildTrace.Phase("slot wait"))
        {
            await shared.Slots.WaitAsync(cancellationToken);
        }

        var handle = shared.Progress.Start(step.Title);
        var ran = System.Diagnostics.Stopwatch.StartNew();
        shared.Totals.Ran();
        if (remembered?.MissReason(step.Instruction.Keyword, shared.Options.NoCache) is { } reason)
        {
            shared.Progress.Missed(handle, reason);
        }

        // The previous RUN's layer, while it is still hashed, is this step's top lower dir where it is.
        var lowerDirs = pending is { } below ? chain.LowerDirs(Store).Prepend(below.Root.UpperDir).ToList() : chain.LowerDirs(Store);
        var root = new StepRoot(lowerDirs, Store.CreateScratchDirectory());
        var deferred = false;
        try
        {
            Directory.CreateDirectory(root.UpperDir);
            Directory.CreateDirectory(root.WorkDir);
            await work(root, handle);
            cancellationToken.ThrowIfCancellationRequested();
            chain = await SettleAsync(chain);
            if (placeNextLater && Directory.EnumerateFileSystemEntries(root.UpperDir).Any())
            {
                pending = Defer(chain, step, key, root, handle, cancellationToken);
                deferred = true;
                remembered?.Keep(ran.Elapsed.TotalSeconds);
                shared.Progress.Done(handle);
                return chain with { Key = key };
            }

            var record = await CommitLayerAsync(chain, root.UpperDir, cancellationToken);
            WriteCacheRecord(key, record);
            remembered?.Keep(ran.Elapsed.TotalSeconds);
            shared.Progress.Done(handle);
            return chain.Append(step.CreatedBy, record, key);
        }
        catch (Exception e)
        {
            // The previous RUN's commit failing is that step's error (SettleAsync said so), not this one's.
            var message = e is OperationCanceledException || ReferenceEquals(e, pendingFailure) ? "canceled" : e.Message;
            BuildTrace.Annotate("failed", message);
            shared.Progress.Failed(handle, message);
            throw;
        }
        finally
        {
            shared.Slots.Release();
            if (!deferred)
            {
                using (BuildTrace.Phase("scratch cleanup"))
                {
                    TryDelete(root.ScratchDir);
                }
            }
        }
    }

    /// <summary>
    /// Starts committing a RUN's layer that the next RUN will run on: it is hashed and made durable
    /// now, beside that RUN, and moved into place once <see cref="SettleAsync"/> opens its gate (the
    /// next RUN has it as a lower dir where it is until then). The returned chain is the one below
    /// with the step's key; the layer joins it when settled.
    /// </summary>
    private PendingLayer Defer(LayerChain chain, StepPlan step, Digest key, StepRoot root, StepHandle handle, CancellationToken cancellationToken)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var parent = chain.ChainIds.Count > 0 ? chain.ChainIds[^1] : (Digest?)null;
        var created = Now();
        var commit = shared.Machine.Layers.CommitAsync(root.UpperDir, parent, shared.Options.SourceDateEpoch, gate.Task, cancellationToken);
        return new PendingLayer(chain, step, key, root, handle, created, gate, commit);
    }

    /// <summary>
    /// The chain with the pending layer (if any) in it: its gate opens (nothing runs on its dir any
    /// more), its commit is awaited, its cache record written, its scratch removed. Without a pending
    /// layer, <paramref name="chain"/> itself.
    /// </summary>
    private async Task<LayerChain> SettleAsync(LayerChain chain)
    {
        if (pending is not { } below)
        {
            return chain;
        }

        pending = null;
        below.Gate.TrySetResult();
        try
        {
            PackedLayer packed;
            using (BuildTrace.Phase("settle"))
            {
                packed = await below.Commit;
            }

            var record = RecordOf(packed, below.Created);
            WriteCacheRecord(below.Key, record);
            return below.Chain.Append(below.Step.CreatedBy, record, below.Key);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Its step was shown done when its process ended: it is the one that failed.
            shared.Progress.Failed(below.Handle, e.Message);
            pendingFailure = e;
            throw;
        }
        finally
        {
            using (BuildTrace.Phase("scratch cleanup"))
            {
                TryDelete(below.Root.ScratchDir);
            }
        }
    }

    /// <summary>
    /// After a failure or a cancellation: the pending layer is still placed and cached if it was
    /// packed (a run again hits it), its scratch removed either way.
    /// </summary>
    private async Task AbandonPendingAsync()
    {
        try
        {
            if (pending is { } below)
            {
                await SettleAsync(below.Chain);
            }
        }
        catch (Exception)
        {
            // The failure that stopped the stage is the one to report.
        }
    }

    /// <summary>A RUN's layer being committed while the next RUN runs on it; <paramref name="Created"/> is when its process ended.</summary>
    private sealed record PendingLayer(
        LayerChain Chain, StepPlan Step, Digest Key, StepRoot Root, StepHandle Handle, string Created, TaskCompletionSource Gate, Task<PackedLayer> Commit);

    /// <summary>The upper dir as a layer blob and a snapshot; an empty upper dir makes no layer (history says empty_layer).</summary>
    private async Task<CacheRecord> CommitLayerAsync(LayerChain chain, string upper, CancellationToken cancellationToken)
    {
        if (!Directory.EnumerateFileSystemEntries(upper).Any())
        {
            BuildTrace.Annotate("emptyLayer", true);
            return new CacheRecord(Now(), null, null);
        }

        var parent = chain.ChainIds.Count > 0 ? chain.ChainIds[^1] : (Digest?)null;
        return RecordOf(await shared.Machine.Layers.CommitAsync(upper, parent, shared.Options.SourceDateEpoch, null, cancellationToken), Now());
    }

    /// <summary>A new layer's record (its bytes count as written by this build).</summary>
    private CacheRecord RecordOf(PackedLayer packed, string created)
    {
        shared.Totals.Wrote(packed.Size);
        return new(created, new Descriptor { MediaType = MediaTypes.OciLayerFor(LayerCompression.None), Digest = packed.Digest, Size = packed.Size }, packed.DiffId);
    }

    /// <summary>A cached layer's snapshot, unpacked again from its blob if a prune, fsck or another store removed it.</summary>
    private async Task EnsureSnapshotAsync(LayerChain chain, CacheRecord record, CancellationToken cancellationToken)
    {
        if (record is not { Layer: { } layer, DiffId: { } diffId })
        {
            return;
        }

        var parent = chain.ChainIds.Count > 0 ? chain.ChainIds[^1] : (Digest?)null;
        await shared.Machine.Layers.EnsureSnapshotAsync(ChainId.Next(parent, diffId), layer, diffId, cancellationToken);
    }

    /// <summary>
    /// After a miss, the stage's RUN steps are likely to run: the runner may prepare them now (on
    /// the private network when one of them is).
    /// </summary>
    private void AnticipateRuns()
    {
        if (anticipated)
        {
            return;
        }

        anticipated = true;
        var runs = stage.Steps.OfType<RunStep>().Select(NetworkOf).ToList();
        if (runs.Count > 0)
        {
            shared.Machine.Runner.Anticipate(runs.Contains(NetworkMode.Private) ? NetworkMode.Private : runs[0]);
        }
    }

    private NetworkMode NetworkOf(RunStep run) => run.Network switch
    {
        "host" => NetworkMode.Host,
        "none" => NetworkMode.None,
        _ => shared.Options.Network,
    };

    private async Task RunAsync(RunStep run, StepRoot root, StepHandle handle, RunMounts mounts, CancellationToken cancellationToken)
    {
        using var locks = mounts.Lock();
        try
        {
            await RunPreparedAsync(run, root, handle, mounts, cancellationToken);
        }
        finally
        {
            mounts.Owned.ForEach(o => o.Dispose());
        }
    }

    private async Task RunPreparedAsync(RunStep run, StepRoot root, StepHandle handle, RunMounts mounts, CancellationToken cancellationToken)
    {
        var options = shared.Options;
        var network = NetworkOf(run);
        var process = new StepProcess(
            root, run.Argv, [.. run.Environment, .. mounts.Environment], run.WorkingDirectory, run.User,
            network, Hostname: "ibuild", options.Limits, Mounts: mounts.Prepare(root.ScratchDir))
        {
            // The planner let it through only with --allow security.insecure.
            Insecure = run.Security == "insecure",
        };
        var output = new StepOutput(shared.Progress, handle);
        StepExit result;
        using var phase = BuildTrace.Phase("run");
        try
        {
            result = await shared.Machine.Runner.RunAsync(process, output, output, cancellationToken);
            phase.Arg("exitCode", result.ExitCode);
        }
        catch (StepSetupException e)
        {
            var code = e.Reason == StepSetupFailure.Network ? BuildErrors.NetworkUnavailable : BuildErrors.StepSetupFailed;
            throw Located(code, $"RUN could not start: {e.Message}", run, e.Hint);
        }

        if (result.OomKilled)
        {
            var limit = options.Limits?.MemoryBytes is { } bytes ? $": memory limit {ByteSizeText(bytes)}" : "";
            throw Located(BuildErrors.RunFailed, $"RUN was killed by the kernel's OOM killer{limit}", run, "raise --memory, or make the step need less", output.LastLines());
        }

        if (result.ExitCode != 0)
        {
            var what = result.Signal is { } signal ? $"RUN was killed by signal {signal}" : $"RUN exited with code {result.ExitCode}";
            throw Located(BuildErrors.RunFailed, what, run, null, output.LastLines());
        }
    }

    private async Task WorkdirAsync(WorkdirStep workdir, StepRoot root)
    {
        bool made;
        try
        {
            using var phase = BuildTrace.Phase("workdir");
            made = await shared.Machine.Files.MakeDirectoryAsync(root, workdir.Path, workdir.User);
        }
        catch (UnknownUserException e)
        {
            throw Located(BuildErrors.UnknownUser, $"WORKDIR: {e.Message}", workdir);
        }

        if (!made)
        {
            throw Located(BuildErrors.CopyFailed, $"WORKDIR {workdir.Path}: a part of the path exists and is not a directory", workdir);
        }
    }

    private static string ByteSizeText(long bytes) =>
        bytes % (1L << 30) == 0 ? $"{bytes >> 30} GiB" : bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : bytes % 1024 == 0 ? $"{bytes >> 10} KiB" : $"{bytes} B";

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
            // Left for the store's clean-up of stale scratch.
        }
    }
}
