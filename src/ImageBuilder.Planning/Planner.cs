using System.Runtime.ExceptionServices;
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
    /// <exception cref="DockerfileException">IB2xxx (and IB1013 expansion) errors, located.</exception>
    public BuildPlan Plan(DockerfileDocument document, PlanOptions options)
    {
        RequireSupported(options.Platform, null);
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

        var session = new Session(this, document, options, expander, global);
        OnLargeStack(() => session.Visit(target.Index, null));
        var unused = options.BuildArgs.Keys.Where(k => !global.Used.Contains(k) && !ArgScope.ProxyArgs.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var warnings = unused.Count == 0 ? [] : new[] { $"one or more build args were not consumed: {string.Join(", ", unused)}" };
        return new BuildPlan(session.Ordered, warnings);
    }

    /// <summary>
    /// The stack planning runs on. Planning recurses once per stage a stage builds on (FROM a stage,
    /// COPY --from); a thread's default stack held about 4,500 such levels, and overflowing it kills
    /// the process. 256 MiB (reserved, touched only as used) holds over 100,000; past that, planning
    /// stops with a located error instead (<see cref="Session.Visit"/>).
    /// </summary>
    internal int StackBytes { get; init; } = 256 * 1024 * 1024;

    private void OnLargeStack(Action plan)
    {
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                plan();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        }, StackBytes) { Name = "ibuild planner" };
        thread.Start();
        thread.Join();
        failure?.Throw();
    }

    internal static void RequireSupported(Platform platform, SourceSpan? span)
    {
        var current = Platform.Current;
        if (platform.Os != current.Os || platform.Architecture != current.Architecture)
        {
            throw new DockerfileException(ErrorCode.UnsupportedPlatform,
                $"platform {platform} is not supported: ibuild builds for the machine it runs on ({current})", span,
                "drop --platform, or build on a machine of that platform");
        }
    }

    internal BaseImage FindImage(string reference, SourceSpan span)
    {
        try
        {
            return images.Find(reference) ?? throw new DockerfileException(ErrorCode.ImageNotFound,
                $"image \"{reference}\" is not in the store", span,
                "pull it (ibuild pull), load it (ibuild load -i image.tar) or build it; --pull=never never pulls");
        }
        catch (ImageSourceException e)
        {
            throw new DockerfileException(ErrorCode.ImageNotFound, $"image \"{reference}\" is not in the store and {e.Message}", span, e.Hint);
        }
    }
}
