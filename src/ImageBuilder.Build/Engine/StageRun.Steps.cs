using System.Text;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Dockerfile;
using ImageBuilder.Linux.Layers;
using ImageBuilder.Linux.Mounts;
using ImageBuilder.Linux.Sandbox;
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
        StepPlan step, LayerChain chain, byte[][] keyParts, Func<StepDirs, IReadOnlyList<string>, StepHandle, Task> work,
        CancellationToken cancellationToken)
    {
        RequireStackable(step, chain.Layers.Count);
        var key = KeyOf(chain.Key, [step.Describe(), .. keyParts]);
        shared.UsedKeys.Enqueue(new UsedCacheKey(stage.Index, key));
        if (!shared.Options.NoCache && Store.FindCacheRecord(key) is { } cached)
        {
            var hit = shared.Progress.Start(step.Title);
            await EnsureSnapshotAsync(chain, cached, cancellationToken);
            shared.Progress.Cached(hit);
            return chain.Append(step.CreatedBy, cached, key);
        }

        await shared.Slots.WaitAsync(cancellationToken);
        var handle = shared.Progress.Start(step.Title);
        var dirs = new StepDirs(Store.CreateScratchDirectory());
        try
        {
            Directory.CreateDirectory(dirs.Upper);
            Directory.CreateDirectory(dirs.Work);
            await work(dirs, chain.LowerDirs(Store), handle);
            cancellationToken.ThrowIfCancellationRequested();
            var record = await CommitLayerAsync(chain, dirs.Upper, cancellationToken);
            Store.WriteCacheRecord(key, record);
            shared.Progress.Done(handle);
            return chain.Append(step.CreatedBy, record, key);
        }
        catch (Exception e)
        {
            shared.Progress.Failed(handle, e is OperationCanceledException ? "canceled" : e.Message);
            throw;
        }
        finally
        {
            shared.Slots.Release();
            TryDelete(dirs.Scratch);
        }
    }

    /// <summary>The upper dir as a layer blob and a snapshot; an empty upper dir makes no layer (history says empty_layer).</summary>
    private async Task<CacheRecord> CommitLayerAsync(LayerChain chain, string upper, CancellationToken cancellationToken)
    {
        if (!Directory.EnumerateFileSystemEntries(upper).Any())
        {
            return new CacheRecord(Now(), null, null);
        }

        var options = shared.Options;
        PackedLayer packed;
        await using (var writer = Store.BeginBlob())
        {
            packed = await new LayerPacker(new FileTreeReader()).PackAsync(
                upper, writer.Stream, new LayerPackOptions(options.Compression, null, options.SourceDateEpoch), cancellationToken);
            writer.Commit(packed.Digest);
        }

        var parent = chain.ChainIds.Count > 0 ? chain.ChainIds[^1] : (Digest?)null;
        // The packer read this very tree: its diff id is what fsck's re-pack of the snapshot must give.
        Store.AdoptSnapshot(ChainId.Next(parent, packed.DiffId), upper, dir => new FileTreeWriter().Flush(dir),
            new SnapshotRecord(packed.DiffId, packed.DiffId, options.SourceDateEpoch));
        var layer = new Descriptor { MediaType = MediaTypes.OciLayerFor(options.Compression), Digest = packed.Digest, Size = packed.Size };
        return new CacheRecord(Now(), layer, packed.DiffId);
    }

    /// <summary>A cached layer's snapshot, unpacked again from its blob if a prune, fsck or another store removed it.</summary>
    private async Task EnsureSnapshotAsync(LayerChain chain, CacheRecord record, CancellationToken cancellationToken)
    {
        if (record is not { Layer: { } layer, DiffId: { } diffId })
        {
            return;
        }

        var parent = chain.ChainIds.Count > 0 ? chain.ChainIds[^1] : (Digest?)null;
        await Store.UnpackSnapshotAsync(ChainId.Next(parent, diffId), layer, diffId, new LayerUnpacker(new FileTreeWriter()), cancellationToken);
    }

    private async Task RunAsync(
        RunStep run, StepDirs dirs, IReadOnlyList<string> lowers, StepHandle handle, RunMounts mounts, CancellationToken cancellationToken)
    {
        if (run.Security == "insecure")
        {
            throw Located(ErrorCode.NotImplemented, "RUN --security=insecure is not supported", run);
        }

        var options = shared.Options;
        var network = run.Network is null or "default" ? options.Network : run.Network;
        using var locks = mounts.Lock();
        var spec = new SandboxSpec(
            lowers, dirs.Upper, dirs.Work, dirs.Scratch, run.Argv, [.. run.Environment, .. mounts.Environment], run.WorkingDirectory, run.User,
            IsolateNetwork: network == "none", Hostname: "ibuild", options.Limits, Mounts: mounts.Prepare(dirs.Scratch));
        var output = new StepOutput(shared.Progress, handle);
        SandboxResult result;
        try
        {
            result = await shared.Runner.RunAsync(spec, output, output, cancellationToken);
        }
        catch (SandboxException e)
        {
            throw Located(ErrorCode.StepSetupFailed, $"RUN could not start: {e.Message}", run);
        }

        if (result.OomKilled)
        {
            var limit = options.Limits?.MemoryBytes is { } bytes ? $": memory limit {ByteSizeText(bytes)}" : "";
            throw Located(ErrorCode.RunFailed, $"RUN was killed by the kernel's OOM killer{limit}", run, "raise --memory, or make the step need less", output.LastLines());
        }

        if (result.ExitCode != 0)
        {
            var what = result.Signal is { } signal ? $"RUN was killed by signal {signal}" : $"RUN exited with code {result.ExitCode}";
            throw Located(ErrorCode.RunFailed, what, run, null, output.LastLines());
        }
    }

    private Task WorkdirAsync(WorkdirStep workdir, StepDirs dirs, IReadOnlyList<string> lowers) =>
        shared.Runner.ApplyAsync(new OverlayWorkspaceSpec(lowers, dirs.Upper, dirs.Work, dirs.Merged), (root, _) =>
        {
            bool made;
            try
            {
                made = RootDirectory.Create(root, workdir.Path, workdir.User);
            }
            catch (SandboxException e)
            {
                throw Located(ErrorCode.UnknownUser, $"WORKDIR: {e.Message}", workdir);
            }

            if (!made)
            {
                throw Located(ErrorCode.CopyFailed, $"WORKDIR {workdir.Path}: a part of the path exists and is not a directory", workdir);
            }
        });

    private async Task<LayerChain> CopyStepAsync(CopyStep copy, LayerChain chain, CancellationToken cancellationToken)
    {
        if (copy.Sources.FirstOrDefault(s => s.StartsWith("git@", StringComparison.Ordinal) || s.EndsWith(".git", StringComparison.Ordinal)
                && RemoteSource.IsUrl(s)) is { } git)
        {
            throw Located(ErrorCode.NotImplemented, $"{copy.Instruction.Keyword} from a git repository ({git}) is not supported yet", copy);
        }

        if (copy.IsAdd && copy.Sources.Any(RemoteSource.IsUrl))
        {
            return await AddUrlsAsync(copy, chain, cancellationToken);
        }

        IReadOnlyList<string>? sourceLayers = null;
        byte[] sourceKey;
        switch (copy.Source)
        {
            case ContextSource:
                sourceKey = copy.Sources.Count == 0 ? [] : Encoding.UTF8.GetBytes(ContextChecksum(copy).ToString());
                break;
            case StageSource stageSource:
                var other = (await stageResult(stageSource.StageIndex)).Chain;
                RequireMountable(copy, other.Layers.Count, $"--from stage {stageSource.StageIndex}");
                sourceKey = Encoding.UTF8.GetBytes(other.Key.ToString());
                sourceLayers = other.LowerDirs(Store);
                break;
            case ImageSource imageSource:
                var image = await ImageChainAsync(imageSource.Image, cancellationToken);
                RequireMountable(copy, image.Layers.Count, "--from image");
                sourceKey = Encoding.UTF8.GetBytes(image.Key.ToString());
                sourceLayers = image.LowerDirs(Store);
                break;
            default:
                throw new InvalidOperationException("unknown copy source");
        }

        return await StepAsync(copy, chain, [sourceKey], (dirs, lowers, _) => shared.Runner.ApplyAsync(
            new OverlayWorkspaceSpec(lowers, dirs.Upper, dirs.Work, dirs.Merged, sourceLayers, dirs.Source),
            (root, source) => Copy(copy, root, source)), cancellationToken);
    }

    private Digest ContextChecksum(CopyStep copy)
    {
        try
        {
            return shared.Context.Value.Checksum(copy.Sources);
        }
        catch (BuildContextException e)
        {
            throw CopyFailed(e.Reason, $"{copy.Instruction.Keyword} failed: {e.Message}", copy, "check the path, and that .dockerignore does not exclude it");
        }
    }

    /// <summary>The copy itself, on the overlay thread.</summary>
    private void Copy(CopyStep copy, string root, string? source)
    {
        try
        {
            var (uid, gid) = copy.Chown is { Length: > 0 } chown ? ImageUser.ResolveChown(root, chown) : ((int?)null, (int?)null);
            var options = new CopyOptions(uid, gid, copy.Chmod, copy.IsAdd && copy.Unpack, copy.Excludes, copy.Parents);
            if (copy.Contents.Count > 0)
            {
                FileCopier.CopyContents(copy.Contents.Select(c => (c.Name, c.Data)).ToList(), root, copy.Destination, copy.WorkingDirectory, options);
            }

            if (copy.Sources.Count > 0)
            {
                var context = source is null ? shared.Context.Value : null;
                FileCopier.Copy(source ?? context!.Root, context is null ? null : context.IsExcluded, copy.Sources, root, copy.Destination, copy.WorkingDirectory, options);
            }
        }
        catch (CopyException e)
        {
            throw CopyFailed(e.Reason, $"{copy.Instruction.Keyword} failed: {e.Message}", copy);
        }
        catch (SandboxException e)
        {
            throw Located(ErrorCode.UnknownUser, $"{copy.Instruction.Keyword} --chown: {e.Message}", copy);
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

    /// <summary>A step's scratch dir and the dirs the overlay uses inside it.</summary>
    private sealed record StepDirs(string Scratch)
    {
        public string Upper => Path.Combine(Scratch, "upper");

        public string Work => Path.Combine(Scratch, "work");

        public string Merged => Path.Combine(Scratch, "merged");

        public string Source => Path.Combine(Scratch, "source");
    }
}
