using System.Runtime.CompilerServices;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

public sealed partial class Planner
{
    /// <summary>One planning run: plans stages on demand, keeps them in dependency order.</summary>
    internal sealed class Session(DockerfileDocument document, PlanOptions options, InstructionExpander expander, ArgScope global,
        IReadOnlyDictionary<string, ImageLookup> images)
    {
        private readonly Dictionary<int, StagePlan> planned = [];
        private readonly List<StagePlan> ordered = [];
        private readonly Dictionary<int, ArgScope> stageArgs = [];
        private readonly HashSet<int> visiting = [];
        private readonly Dictionary<string, Stage> byName = document.Stages.Where(s => s.Name is not null)
            .ToDictionary(s => s.Name!, StringComparer.OrdinalIgnoreCase);

        public IReadOnlyList<StagePlan> Ordered => ordered;

        public DockerfileDocument Document => document;

        public PlanOptions Options => options;

        public InstructionExpander Expander => expander;

        public ArgScope Global => global;

        /// <summary>
        /// Plans stage <paramref name="index"/> after everything it needs; <paramref name="waiting"/> holds the stages
        /// waiting on it (null for the target). Recursive, one level per stage a stage builds on or copies from.
        /// </summary>
        public StagePlan Visit(int index, StagePath? waiting)
        {
            if (planned.TryGetValue(index, out var done))
            {
                return done;
            }

            var stage = document.Stages[index];
            if (!visiting.Add(index))
            {
                var cycle = (waiting?.OutermostFirst() ?? []).SkipWhile(i => i != index).Append(index).Select(i => document.Stages[i].Reference);
                throw new DockerfileException(ErrorCode.UnknownStage, $"stages depend on each other in a cycle: {string.Join(" -> ", cycle)}",
                    stage.From.Span);
            }

            var here = new StagePath(index, waiting);
            if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
            {
                throw new DockerfileException(ErrorCode.UnknownStage,
                    $"stages build on each other too deeply to plan ({here.Depth} stages deep)", stage.From.Span,
                    "a chain of FROM and --from this long is not a real build; shorten it");
            }

            var plan = new StagePlanner(this, stage, here).Plan();
            foreach (var dependency in plan.DependsOn.Order())
            {
                Visit(dependency, here);
            }

            visiting.Remove(index);
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

        /// <summary>
        /// The base image <paramref name="reference"/> names, as resolved before this pass; a reference not
        /// resolved yet ends the pass (<see cref="ImageNeeded"/>) so that <see cref="PlanAsync"/> looks it up.
        /// </summary>
        public BaseImage FindImage(string reference, Platform platform, SourceSpan span)
        {
            if (!images.TryGetValue(LookupKey(reference, platform), out var lookup))
            {
                throw new ImageNeeded(reference, platform);
            }

            if (lookup.Failure is ImagePlatformException missing)
            {
                throw new DockerfileException(ErrorCode.UnsupportedPlatform, missing.Message, span, missing.Hint);
            }

            if (lookup.Failure is { } e)
            {
                throw new DockerfileException(ErrorCode.ImageNotFound, $"image \"{reference}\" is not in the store and {e.Message}", span, e.Hint);
            }

            return lookup.Image ?? throw new DockerfileException(ErrorCode.ImageNotFound,
                $"image \"{reference}\" is not in the store", span,
                "pull it (ibuild pull), load it (ibuild load -i image.tar) or build it; --pull=never never pulls");
        }

        /// <summary>Keeps a planned stage's ARGs for the stages built FROM it.</summary>
        public void RecordArgs(int index, ArgScope args) => stageArgs[index] = args;

        /// <summary>A planned stage's ARGs (see <see cref="ArgScope.Inherit"/>).</summary>
        public ArgScope ArgsOf(int index) => stageArgs[index];

        /// <summary>The stage a FROM names: only stages defined before this one, as in BuildKit.</summary>
        public Stage? EarlierStage(string name, int before) =>
            byName.TryGetValue(name, out var stage) && stage.Index < before ? stage : null;

        /// <summary>
        /// The named context (<c>--build-context</c>) that <paramref name="reference"/> names, compared as
        /// BuildKit compares them (<see cref="ContextNames.Normalize"/>); never for <c>scratch</c> or <c>context</c>.
        /// </summary>
        public NamedContext? NamedContext(string reference)
        {
            if (options.Contexts.Count == 0 || ContextNames.IsReserved(reference))
            {
                return null;
            }

            return ContextNames.Normalize(reference, out _) is { } name && options.Contexts.TryGetValue(name, out var context) ? context : null;
        }

        /// <summary>The named context that replaces <paramref name="stage"/> (one named like it), if any.</summary>
        public NamedContext? Replacing(Stage stage) => stage.Name is { } name ? NamedContext(name.ToLowerInvariant()) : null;

        /// <summary>The stage a --from names: any stage by name, or by index (names are unique; looked up, not searched).</summary>
        public Stage? AnyStage(string nameOrIndex) =>
            byName.TryGetValue(nameOrIndex, out var stage) ? stage : document.StageAt(nameOrIndex);
    }
}

/// <summary>The stages waiting on the one being planned, as a linked list: a level deeper costs one node, not a copy of the path.</summary>
internal sealed class StagePath(int index, StagePath? waiting)
{
    public int Index => index;

    /// <summary>The stage that waits on this one; null for the target.</summary>
    public StagePath? Waiting => waiting;

    public int Depth { get; } = (waiting?.Depth ?? 0) + 1;

    /// <summary>The indexes from the target down to this stage.</summary>
    public IReadOnlyList<int> OutermostFirst()
    {
        var indexes = new List<int>(Depth);
        for (var at = this; at is not null; at = at.Waiting)
        {
            indexes.Add(at.Index);
        }

        indexes.Reverse();
        return indexes;
    }
}
