using ImageBuilder.Build.Context;
using ImageBuilder.Core.Layers;
using ImageBuilder.Core.Oci;
using ImageBuilder.Core.Store;
using ImageBuilder.Core.Tracing;
using ImageBuilder.Planning;

namespace ImageBuilder.Build.Engine;

/// <summary>The image a build made: its manifest (as stored) and config.</summary>
public sealed record BuiltImage(Descriptor Manifest, ImageManifest ImageManifest, ImageConfig Config)
{
    /// <summary>The cache keys the build used or wrote, in the order its steps reached them (what <c>--cache-to</c> exports).</summary>
    public IReadOnlyList<UsedCacheKey> CacheKeys { get; init; } = [];

    /// <summary>The http(s) sources ADD fetched, each with its content digest (what provenance lists as resolved dependencies).</summary>
    public IReadOnlyList<RemoteDownload> Downloads { get; init; } = [];

    /// <summary>Steps that ran and steps that were cache hits, and the layer bytes this build wrote (files of the steps that ran).</summary>
    public StepCounts Counts { get; init; } = new(0, 0, 0);

    /// <summary>The image id, as docker shows it: the config's digest.</summary>
    public Digest Id => ImageManifest.Config.Digest;
}

/// <summary>How many steps that change files ran and were cached, and how many layer bytes were written.</summary>
public sealed record StepCounts(int Run, int Cached, long BytesWritten)
{
    public static StepCounts operator +(StepCounts a, StepCounts b) => new(a.Run + b.Run, a.Cached + b.Cached, a.BytesWritten + b.BytesWritten);
}

/// <summary>The counts as a build's stages add to them, from several threads.</summary>
public sealed class StepTotals
{
    private int run;
    private int cached;
    private long bytes;

    public void Ran() => Interlocked.Increment(ref run);

    public void Cached() => Interlocked.Increment(ref cached);

    public void Wrote(long count) => Interlocked.Add(ref bytes, count);

    public StepCounts Snapshot() => new(Volatile.Read(ref run), Volatile.Read(ref cached), Interlocked.Read(ref bytes));
}

/// <summary>
/// Runs a <see cref="BuildPlan"/>: every stage as its own task, waiting only for the stages it
/// reads; steps that do work (RUN, COPY, ADD, WORKDIR) take one of <see cref="EngineOptions.Jobs"/>
/// slots. The first failure cancels everything still running (sandboxes are torn down by their
/// cancellation) and is the one reported. The image does not depend on the order stages ran in.
/// The engine owns its machine's step runner: disposing the engine, when the build is over,
/// disposes the runner, which stops what the steps shared (the private network).
/// </summary>
public sealed class BuildEngine(ContentStore store, BuildMachine machine, IBuildProgress progress) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => machine.Runner.DisposeAsync();

    /// <summary>Builds the plan and stores the target stage's image (untagged; the caller names it).</summary>
    /// <exception cref="BuildException">A step failed; the diagnostic says where.</exception>
    public Task<BuiltImage> BuildAsync(BuildPlan plan, Func<BuildContext> context, EngineOptions options, CancellationToken cancellationToken) =>
        BuildAsync(plan, name => name is null ? context() : throw new InvalidOperationException($"the plan uses a named context {name} the build was not given"),
            options, cancellationToken);

    /// <summary>
    /// Builds the plan; <paramref name="contexts"/> reads a context when a step first needs it: the
    /// main one for null, else the named directory context (<c>--build-context NAME=DIR</c>) of that name.
    /// </summary>
    /// <exception cref="BuildException">A step failed; the diagnostic says where.</exception>
    public async Task<BuiltImage> BuildAsync(BuildPlan plan, Func<string?, BuildContext> contexts, EngineOptions options, CancellationToken cancellationToken)
    {
        RequireRunnablePlatforms(plan, machine.Runner.WhyCannotRun);
        using var protect = store.ProtectNewContent();
        ReserveThreads(options.Jobs);
        using var failFast = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var slots = new SemaphoreSlim(Math.Max(1, options.Jobs));
        var shared = new StageRun.Shared(store, machine, progress, options, new ContextSet(contexts), slots, new());
        // Every stage's result exists before any stage runs, so a stage can wait for another
        // (its base, a COPY --from) wherever that one is in the plan.
        var results = plan.Stages.ToDictionary(s => s.Index, _ => new TaskCompletionSource<StageResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        var tasks = plan.Stages.Select(stage => Task.Run(async () =>
        {
            try
            {
                results[stage.Index].SetResult(await new StageRun(shared, stage, index => results[index].Task).RunAsync(failFast.Token));
            }
            catch (Exception e)
            {
                results[stage.Index].SetException(e);
                await failFast.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToList();

        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            // The hashes are right whatever became of the build: the next one (a retry after a
            // failed step) need not hash the context again. Saved quietly here, never in place of
            // the build's own error; not when rootless ibuild enters its user namespace, where the
            // context goes with its hashes (BuildContext.HandOff) and the build inside saves them.
            try
            {
                if (!tasks.Any(t => t.Exception?.InnerException is UserNamespaceRequiredException))
                {
                    SaveStatCache(shared);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }

            cancellationToken.ThrowIfCancellationRequested();
            var first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!)
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(first).Throw();
            }

            throw;
        }

        SaveStatCache(shared);
        var target = await results[plan.Target.Index].Task;
        return Commit(target.Config, target.Chain.Layers) with
        {
            CacheKeys = [.. shared.UsedKeys],
            Downloads = [.. shared.Downloads.Distinct()],
            Counts = shared.Totals.Snapshot(),
        };
    }

    /// <summary>
    /// Refuses, before any step runs, a plan with RUN steps for a platform this machine cannot run
    /// (not its own, no emulator registered, as <paramref name="whyCannotRun"/> says): located at
    /// the first such RUN. A multi-platform build asks it of every platform's plan before it builds any.
    /// </summary>
    /// <exception cref="BuildException">IB2003.</exception>
    public static void RequireRunnablePlatforms(BuildPlan plan, Func<Platform, (string Reason, string Hint)?> whyCannotRun)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(whyCannotRun);
        foreach (var stage in plan.Stages)
        {
            if (stage.Steps.OfType<RunStep>().FirstOrDefault() is { } run && whyCannotRun(stage.Platform) is var (reason, hint))
            {
                throw new BuildException(new Dockerfile.Diagnostic(Dockerfile.ErrorCode.UnsupportedPlatform, reason, run.Instruction.Span, hint));
            }
        }
    }

    private static void SaveStatCache(StageRun.Shared shared)
    {
        foreach (var context in shared.Contexts.Read)
        {
            context.SaveStatCache();
        }
    }

    /// <summary>
    /// A running step holds a few pool threads in blocking calls (the sandbox's hand-off from its
    /// namespace thread, pipe reads, waits for the overlay thread), so with the pool's default
    /// minimum (one per core) parallel steps starve it and each waits for the pool to grow,
    /// about a second at a time. The minimum is raised to what the slots can use at once.
    /// </summary>
    private static void ReserveThreads(int jobs)
    {
        ThreadPool.GetMinThreads(out var workers, out var completion);
        var wanted = 8 + (4 * jobs);
        if (workers < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completion);
        }
    }

    private BuiltImage Commit(ImageConfig config, IReadOnlyList<Descriptor> layers)
    {
        using var phase = BuildTrace.Phase("image commit");
        var configBytes = OciJson.Serialize(config);
        // Base layers keep their digests but take OCI media types: a base pulled with Docker's
        // types would otherwise make a manifest of two families, which skopeo and strict registries refuse.
        var manifest = MediaTypeFamily.Unify(new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = store.WriteBlob(configBytes), Size = configBytes.Length },
            Layers = layers,
        });
        var manifestBytes = OciJson.Serialize(manifest);
        var descriptor = new Descriptor { MediaType = MediaTypes.OciManifest, Digest = store.WriteBlob(manifestBytes), Size = manifestBytes.Length };
        return new BuiltImage(descriptor, manifest, config);
    }
}

/// <summary>An http(s) source ADD fetched: its URL and its content's digest (<c>sha256:…</c>).</summary>
public sealed record RemoteDownload(string Url, string Digest);

/// <summary>A step's cache key, and the stage (plan index) it belongs to.</summary>
public sealed record UsedCacheKey(int Stage, Digest Key);

/// <summary>A finished stage: its layer chain and its image config.</summary>
internal sealed record StageResult(LayerChain Chain, ImageConfig Config);
