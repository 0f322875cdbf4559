using System.Security.Cryptography;
using System.Text;
using ImageBuilder.Build.Context;
using ImageBuilder.Build.Copying;
using ImageBuilder.Core.Hashing;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Dockerfile;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

/// <summary>Runs one stage's steps in order, on top of its base, using the cache where a step's key has a record.</summary>
internal sealed partial class StageRun(StageRun.Shared shared, StagePlan stage, Func<int, Task<StageResult>> stageResult)
{
    private ContentStore Store => shared.Store;

    // Whether this stage has told the runner its RUN steps are coming (once is enough).
    private bool anticipated;

    // A RUN's layer still being committed while the next RUN runs on it (StageRun.Steps: Defer, SettleAsync).
    private PendingLayer? pending;

    // The error of a pending layer's commit, which its own step reported.
    private Exception? pendingFailure;

    // Whether the step now running is a RUN followed by a RUN: its layer may then be committed beside that one.
    private bool placeNextLater;

    public async Task<StageResult> RunAsync(CancellationToken cancellationToken)
    {
        // A stage's steps run one after another: one track of the trace per stage, a span per step.
        using var track = BuildTrace.Track($"stage {stage.Index}" + (stage.Name is { } name ? $" ({name})" : ""));
        var chain = await BaseAsync(cancellationToken);
        try
        {
            for (var i = 0; i < stage.Steps.Count; i++)
            {
                var step = stage.Steps[i];
                cancellationToken.ThrowIfCancellationRequested();
                using var traced = BuildTrace.Step(step.Title);

                // A RUN followed by a RUN: its layer's hash can run beside the next one's process
                // (layers bench: 0.14 s of the first RUN's 200 MB hashed while the second runs);
                // so only a RUN ever finds a layer pending.
                placeNextLater = step is RunStep && i + 1 < stage.Steps.Count && stage.Steps[i + 1] is RunStep;
                chain = step switch
                {
                    ConfigStep config => ApplyConfig(config, chain),
                    RunStep run => await RunStepAsync(run, chain, cancellationToken),
                    CopyStep copy => await CopyStepAsync(copy, chain, cancellationToken),
                    WorkdirStep workdir => await StepAsync(workdir, chain, [], (root, _) => WorkdirAsync(workdir, root), cancellationToken),
                    _ => throw new InvalidOperationException($"unknown step {step.GetType().Name}"),
                };
            }

            chain = await SettleAsync(chain);
        }
        catch (Exception)
        {
            await AbandonPendingAsync();
            throw;
        }

        return new StageResult(chain, chain.ToConfig(stage.Config));
    }

    /// <summary>The chain a stage starts from: nothing, an image's layers (unpacked if needed), or another stage's result.</summary>
    private async Task<LayerChain> BaseAsync(CancellationToken cancellationToken)
    {
        switch (stage.Base)
        {
            case ScratchBase:
                // The platform is part of every key (an image's is in its manifest): RUN steps of
                // two platforms on the same files give two layers.
                return new LayerChain([], [], [], KeyOf($"scratch {stage.Platform}"), null);
            case StageOutputBase other:
                return (await stageResult(other.StageIndex)).Chain;
            case ImageBase image:
                using (BuildTrace.Step(stage.FromTitle))
                {
                    var handle = shared.Progress.Start(stage.FromTitle);
                    var chain = await ImageChainAsync(image.Image, cancellationToken);
                    shared.Progress.Done(handle);
                    return chain;
                }

            default:
                throw new InvalidOperationException("unknown stage base");
        }
    }

    /// <summary>An image's layers as a chain, its snapshots unpacked from the store's blobs where missing.</summary>
    internal async Task<LayerChain> ImageChainAsync(BaseImage image, CancellationToken cancellationToken)
    {
        var manifest = OciJson.Deserialize<ImageManifest>(Store.ReadBlob(image.ManifestDigest));
        var diffIds = image.Config.RootFs.DiffIds;
        await shared.Machine.Layers.EnsureSnapshotsAsync(manifest.Layers, diffIds, cancellationToken);

        var history = image.Config.History ?? [];
        return new LayerChain(manifest.Layers, diffIds, history, KeyOf("image:" + image.ManifestDigest), history.LastOrDefault()?.Created ?? image.Config.Created);
    }

    /// <summary>A config-only step: no work, but a history entry whose time comes from the cache, so rebuilds match.</summary>
    private LayerChain ApplyConfig(ConfigStep step, LayerChain chain)
    {
        var (key, record) = LookUp(chain.Key, [step.Describe()]);
        BuildTrace.Annotate("cached", record is not null);
        if (record is null)
        {
            record = new CacheRecord(chain.LastCreated ?? Now(), null, null);
            WriteCacheRecord(key, record);
        }

        return chain with
        {
            History = [.. chain.History, new HistoryEntry
            {
                Created = record.Created,
                CreatedBy = step.CreatedBy,
                Comment = LayerChain.HistoryComment,
                EmptyLayer = true,
            }],
            LastCreated = record.Created,
        };
    }

    /// <summary>A step's cache key and its record (null: a miss, or --no-cache), timed as the step's cache lookup.</summary>
    private (Digest Key, CacheRecord? Record) LookUp(Digest parent, byte[][] parts)
    {
        using var phase = BuildTrace.Phase("cache lookup");
        var key = KeyOf(parent, parts);
        shared.UsedKeys.Enqueue(new UsedCacheKey(stage.Index, key));
        var record = shared.Options.NoCache ? null : Store.FindCacheRecord(key);
        phase.Arg("hit", record is not null);
        return (key, record);
    }

    private void WriteCacheRecord(Digest key, CacheRecord record)
    {
        using var phase = BuildTrace.Phase("cache record");
        Store.WriteCacheRecord(key, record);
    }

    private string Now() => OciTimestamp.Format(shared.Options.SourceDateEpoch ?? DateTimeOffset.UtcNow);

    internal static Digest KeyOf(string text) => KeyOf(null, Encoding.UTF8.GetBytes(text));

    /// <summary>sha256(parent key ‖ parts), each part length-prefixed so no two different lists hash alike.</summary>
    internal static Digest KeyOf(Digest? parent, params byte[][] parts)
    {
        using var hash = new Sha256Hasher();
        hash.Append(Encoding.UTF8.GetBytes(parent?.ToString() ?? ""));
        foreach (var part in parts)
        {
            hash.Append(BitConverter.GetBytes((long)part.Length));
            hash.Append(part);
        }

        return Digest.Parse("sha256:" + Convert.ToHexStringLower(hash.CurrentHash()));
    }

    private static BuildException Located(ErrorCode code, string message, StepPlan step, string? hint = null, IReadOnlyList<string>? output = null) =>
        new(new Diagnostic(code, message, step.Instruction.Span, hint), output);

    /// <summary>A failed COPY/ADD (or --mount source), located: IB2005, or IB2010 with its hint when the source is refused.</summary>
    private static BuildException CopyFailed(CopyFailure reason, string message, StepPlan step, string? hint = null) =>
        reason == CopyFailure.Refused
            ? Located(BuildErrors.SourceRefused, message, step,
                "ibuild copies nothing that could land outside the image, that Linux cannot hold, or that a redirect sends away from http(s): fix the source")
            : Located(BuildErrors.CopyFailed, message, step, hint);

    /// <summary>What every stage of one build shares.</summary>
    internal sealed record Shared(
        ContentStore Store, BuildMachine Machine, IBuildProgress Progress, EngineOptions Options, ContextSet Contexts, SemaphoreSlim Slots,
        System.Collections.Concurrent.ConcurrentQueue<UsedCacheKey> UsedKeys)
    {
        /// <summary>The URLs ADD fetched (or, with --checksum, took as that content), for the build's provenance.</summary>
        public System.Collections.Concurrent.ConcurrentQueue<RemoteDownload> Downloads { get; } = new();

        /// <summary>Steps run and cached, and layer bytes written, for the build's closing summary.</summary>
        public StepTotals Totals { get; } = new();
    }
}
