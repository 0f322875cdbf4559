using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

/// <summary>
/// Turns a parsed Dockerfile into a <see cref="BuildPlan"/>: picks the target stage, plans it and
/// every stage it needs (its base, COPY --from), expands every instruction with the ARG and ENV
/// values in scope, fires a base image's ONBUILD triggers, and computes each stage's image
/// config. Stages the target does not need are never planned. The only outside knowledge is
/// base images' configs, asked of an <see cref="IImageSource"/>.
/// </summary>
public sealed partial class Planner(IImageSource images)
{
    /// <summary>
    /// Plans the build. Planning itself is synchronous and takes milliseconds; base images may need
    /// a pull that takes minutes. So a pass plans against the images resolved so far; when it reaches
    /// a reference not yet resolved it stops, the source is awaited for that reference (cancellable),
    /// and the next pass starts over. Each distinct reference is asked for once per plan; a failure
    /// to get it is kept and reported, located, where the pass meets the reference again.
    /// </summary>
    /// <exception cref="DockerfileException">IB2xxx (and IB1013 expansion) errors, located.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired during a lookup.</exception>
    public async Task<BuildPlan> PlanAsync(DockerfileDocument document, PlanOptions options, CancellationToken cancellationToken)
    {
        var resolved = new Dictionary<string, ImageLookup>(StringComparer.Ordinal);
        while (true)
        {
            var pass = await OnLargeStackAsync(() => PlanPass(document, options, resolved));
            if (pass.Plan is { } plan)
            {
                return plan;
            }

            var (reference, platform) = pass.Needed!.Value;
            var key = LookupKey(reference, platform);
            try
            {
                resolved[key] = new ImageLookup(await images.FindAsync(reference, platform, cancellationToken), null);
            }
            catch (ImageSourceException e)
            {
                resolved[key] = new ImageLookup(null, e);
            }
        }
    }

    /// <summary>One planning pass: the plan, or the first image reference it needs that is not resolved yet.</summary>
    private PassResult PlanPass(DockerfileDocument document, PlanOptions options, IReadOnlyDictionary<string, ImageLookup> resolved)
    {
        var expander = new InstructionExpander(document.EscapeToken);
        var global = ArgScope.Global(options.BuildArgs, options.Platform);
        foreach (var arg in document.GlobalArgs)
        {
            var expanded = (ArgInstruction)expander.Expand(arg, global.ForExpansion());
            foreach (var declaration in expanded.Args)
            {
                global.Declare(declaration.Name, declaration.DefaultValue);
            }
        }

        var target = options.Target is null
            ? document.Stages[^1]
            : document.FindStage(options.Target)
              ?? throw new DockerfileException(ErrorCode.UnknownStage, $"target stage \"{options.Target}\" could not be found", null,
                  $"stages: {string.Join(", ", document.Stages.Select(s => s.Reference))}");

        var session = new Session(document, options, expander, global, resolved);
        try
        {
            session.Visit(target.Index, null);
        }
        catch (ImageNeeded needed)
        {
            return new PassResult(null, (needed.Reference, needed.Platform));
        }

        var unused = options.BuildArgs.Keys.Where(k => !global.Used.Contains(k) && !ArgScope.ProxyArgs.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var warnings = unused.Count == 0 ? [] : new[] { $"one or more build args were not consumed: {string.Join(", ", unused)}" };
        return new PassResult(new BuildPlan(session.Ordered, warnings), null);
    }

    /// <summary>
    /// The stack planning runs on. Planning recurses once per stage a stage builds on (FROM a stage,
    /// COPY --from); a thread's default stack held about 4,500 such levels, and overflowing it kills
    /// the process. 256 MiB (reserved, touched only as used) holds over 100,000; past that, planning
    /// stops with a located error instead (<see cref="Session.Visit"/>).
    /// </summary>
    internal int StackBytes { get; init; } = 256 * 1024 * 1024;

    /// <summary>Runs a pass on a thread of its own with <see cref="StackBytes"/> of stack; the caller's thread is not blocked.</summary>
    private Task<PassResult> OnLargeStackAsync(Func<PassResult> pass)
    {
        var done = new TaskCompletionSource<PassResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                done.SetResult(pass());
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }, StackBytes)
        { Name = "ibuild planner" };
        thread.Start();
        return done.Task;
    }

    /// <summary>How a looked-up image is kept: an image is looked up once per reference and platform.</summary>
    internal static string LookupKey(string reference, Platform platform) => $"{reference}\n{platform}";
}

/// <summary>What the image source said about one reference: the image (null: none), or why it could not be had.</summary>
internal sealed record ImageLookup(BaseImage? Image, ImageSourceException? Failure);

/// <summary>A pass's outcome: the plan, or the reference (and platform) it stopped at.</summary>
internal sealed record PassResult(BuildPlan? Plan, (string Reference, Platform Platform)? Needed);

/// <summary>Thrown through the planning recursion when it reaches a reference not resolved yet: the pass ends, the lookup runs.</summary>
internal sealed class ImageNeeded(string reference, Platform platform) : Exception($"image {reference} ({platform}) is not resolved yet")
{
    public string Reference => reference;

    public Platform Platform => platform;
}
