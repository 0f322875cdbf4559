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
public sealed class Planner(IImageSource images)
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
        session.Visit(target.Index, []);
        var unused = options.BuildArgs.Keys.Where(k => !global.Used.Contains(k) && !ArgScope.ProxyArgs.Contains(k)).Order(StringComparer.Ordinal).ToList();
        var warnings = unused.Count == 0 ? [] : new[] { $"one or more build args were not consumed: {string.Join(", ", unused)}" };
        return new BuildPlan(session.Ordered, warnings);
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

    /// <summary>One planning run: plans stages on demand, keeps them in dependency order.</summary>
    internal sealed class Session(Planner planner, DockerfileDocument document, PlanOptions options, InstructionExpander expander, ArgScope global)
    {
        private readonly Dictionary<int, StagePlan> planned = [];
        private readonly List<StagePlan> ordered = [];
        private readonly Dictionary<int, ArgScope> stageArgs = [];
        private readonly Dictionary<string, Stage> byName = document.Stages.Where(s => s.Name is not null)
            .ToDictionary(s => s.Name!, StringComparer.OrdinalIgnoreCase);

        public IReadOnlyList<StagePlan> Ordered => ordered;

        public DockerfileDocument Document => document;

        public PlanOptions Options => options;

        public InstructionExpander Expander => expander;

        public ArgScope Global => global;

        public Planner Planner => planner;

        /// <summary>Plans stage <paramref name="index"/> after everything it needs; <paramref name="path"/> holds the stages waiting on it.</summary>
        public StagePlan Visit(int index, IReadOnlyList<int> path)
        {
            if (planned.TryGetValue(index, out var done))
            {
                return done;
            }

            var stage = document.Stages[index];
            if (path.Contains(index))
            {
                var cycle = path.SkipWhile(i => i != index).Append(index).Select(i => document.Stages[i].Reference);
                throw new DockerfileException(ErrorCode.UnknownStage, $"stages depend on each other in a cycle: {string.Join(" -> ", cycle)}",
                    stage.From.Span);
            }

            var plan = new StagePlanner(this, stage, [.. path, index]).Plan();
            foreach (var dependency in plan.DependsOn.Order())
            {
                Visit(dependency, [.. path, index]);
            }

            planned[index] = plan;
            ordered.Add(plan);
            return plan;
        }

        /// <summary>Refuses, at <paramref name="at"/>, what needs <paramref name="entitlement"/> when the build was not given it.</summary>
        public void Require(Entitlement entitlement, string what, Instruction at)
        {
            if (!options.Entitlements.Contains(entitlement))
            {
                throw new DockerfileException(ErrorCode.EntitlementRequired,
                    $"{what} needs the {entitlement.Name()} entitlement, which this build was not given", at.Span,
                    $"if you trust this Dockerfile with it, add --allow {entitlement.Name()} to the ibuild build command line");
            }
        }

        /// <summary>Keeps a planned stage's ARGs for the stages built FROM it.</summary>
        public void RecordArgs(int index, ArgScope args) => stageArgs[index] = args;

        /// <summary>A planned stage's ARGs (see <see cref="ArgScope.Inherit"/>).</summary>
        public ArgScope ArgsOf(int index) => stageArgs[index];

        /// <summary>The stage a FROM names: only stages defined before this one, as in BuildKit.</summary>
        public Stage? EarlierStage(string name, int before) =>
            byName.TryGetValue(name, out var stage) && stage.Index < before ? stage : null;

        /// <summary>The stage a --from names: any stage by name, or by index (names are unique; looked up, not searched).</summary>
        public Stage? AnyStage(string nameOrIndex) =>
            byName.TryGetValue(nameOrIndex, out var stage) ? stage : document.StageAt(nameOrIndex);
    }
}
