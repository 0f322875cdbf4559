using System.Globalization;
using ImageBuilder.Core.Oci;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;

namespace ImageBuilder.Planning;

/// <summary>Plans one stage: resolves its base, then walks its instructions keeping the config, ARGs and SHELL in scope.</summary>
internal sealed partial class StagePlanner(Planner.Session session, Stage stage, StagePath path)
{
    private static readonly string[] DefaultShell = ["/bin/sh", "-c"];

    private ArgScope args = session.Global.ForStage();

    // The platform the stage is built for (set with its base).
    private Platform platform = session.Options.Platform;
    private readonly List<StepPlan> steps = [];
    private readonly HashSet<int> dependsOn = [];
    private ExecutionConfig config = new();
    private string? author;
    private bool cmdSet;
    private int fileSteps;
    private int totalFileSteps;

    // The named context the stage starts from (FROM NAME, or a stage it replaces), for the FROM line's title.
    private NamedContext? baseContext;

    public StagePlan Plan()
    {
        var from = (FromInstruction)session.Expander.Expand(stage.From, session.Global.ForExpansion());
        Platform? asked = null;
        if (from.Platform is { Length: > 0 } platformText && !Platform.TryParse(platformText, out asked))
        {
            throw new DockerfileException(ErrorCode.UnsupportedPlatform, $"\"{platformText}\" is not a platform (os/arch[/variant])", from.Span,
                "write it as os/arch or os/arch/variant, e.g. linux/arm64 or $BUILDPLATFORM");
        }

        // A named context called like the stage replaces the stage whole, as in BuildKit: its FROM and commands are not used.
        var replacing = session.Replacing(stage);
        var (stageBase, baseConfig, triggers) = replacing is null ? ResolveBase(from, asked) : ContextBase(replacing, from, asked);
        config = (baseConfig.Config ?? new ExecutionConfig()) with { OnBuild = null };
        author = baseConfig.Author;
        var commands = replacing is null ? triggers.Concat(stage.Commands).ToList() : [];
        totalFileSteps = commands.Count(c => c is RunInstruction or CopyInstruction or AddInstruction or WorkdirInstruction);
        foreach (var instruction in commands)
        {
            Dispatch(instruction);
        }

        var final = baseConfig with
        {
            Author = author,
            Config = config with { Labels = FinalLabels() },
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Created = null,
            History = null,
            RootFs = new RootFs { DiffIds = [] },
        };
        session.RecordArgs(stage.Index, args);
        var label = string.Join(' ', new[] { PlatformLabel, DisplayName, $"1/{Number(totalFileSteps + 1)}" }.Where(s => s.Length > 0));
        var fromTitle = $"[{label}] FROM {from.Image}" + (baseContext is { } named ? $" [context {named.Name}={named.Display}]" : "");
        if (baseContext is DirectoryContext directory)
        {
            steps.Insert(0, DirectoryRoot(directory, from, fromTitle));
        }

        return new StagePlan(stage.Index, stage.Name, DisplayName, fromTitle, stageBase, steps, final, dependsOn);
    }

    private bool IsTarget => path.Waiting is null;

    /// <summary>How progress names the stage: its name, <c>stage-N</c>, or nothing for an unnamed last stage.</summary>
    private string DisplayName => stage.Name ?? (stage.Index == session.Document.Stages.Count - 1 ? "" : $"stage-{stage.Index}");

    /// <summary>
    /// The base, its config and ONBUILD triggers; and <see cref="platform"/>: <paramref name="asked"/>
    /// (<c>FROM --platform</c>), else a base stage's, else the build's target, as in BuildKit.
    /// </summary>
    private (StageBase, ImageConfig, IReadOnlyList<Instruction>) ResolveBase(FromInstruction from, Platform? asked)
    {
        platform = asked ?? session.Options.Platform;
        if (string.Equals(from.Image, "scratch", StringComparison.OrdinalIgnoreCase))
        {
            return (new ScratchBase(), EmptyConfig, []);
        }

        if (session.EarlierStage(from.Image, stage.Index) is { } earlier)
        {
            var basePlan = session.Visit(earlier.Index, path);
            dependsOn.Add(earlier.Index);
            platform = asked ?? basePlan.Platform;
            args = session.ArgsOf(earlier.Index).Inherit();
            return (new StageOutputBase(earlier.Index), basePlan.Config, Triggers(basePlan.Config, from));
        }

        if (session.NamedContext(from.Image) is { } context)
        {
            return ContextBase(context, from, asked);
        }

        var image = session.FindImage(from.Image, platform, from.Span);
        return (new ImageBase(image), image.Config, Triggers(image.Config, from));
    }

    /// <summary>
    /// A stage that starts from a named context: an image's (its config, ONBUILD triggers but for a
    /// replaced stage, as in BuildKit), or a directory's files as its root with the config of scratch.
    /// </summary>
    private (StageBase, ImageConfig, IReadOnlyList<Instruction>) ContextBase(NamedContext context, FromInstruction from, Platform? asked)
    {
        platform = asked ?? session.Options.Platform;
        baseContext = context;
        if (context is ImageContext imageContext)
        {
            var image = session.FindImage(imageContext.Reference, platform, from.Span);
            return (new ImageBase(image), image.Config, Triggers(image.Config, from));
        }

        return (new ScratchBase(), EmptyConfig, []);
    }

    /// <summary>What scratch starts with: no layers, the default PATH, WORKDIR /.</summary>
    private static ImageConfig EmptyConfig => new()
    {
        Architecture = "",
        Os = "",
        RootFs = new RootFs { DiffIds = [] },
        Config = new ExecutionConfig { Env = ["PATH=" + DefaultPath], WorkingDir = "/" },
    };

    /// <summary>
    /// A directory context as a stage's root (BuildKit mounts the directory as the root): its files
    /// copied onto scratch as the stage's first step, located and titled as its FROM.
    /// </summary>
    private static CopyStep DirectoryRoot(DirectoryContext directory, FromInstruction from, string title)
    {
        var copy = new CopyInstruction(new SourcesAndDest(["."], [], "/"), null, null, null, false, false, [])
        {
            Span = from.Span,
            Original = from.Original,
        };
        return new CopyStep(new ContextSource(directory.Name), ["."], [], "/", "/", null, null, false, false, null, false, false, [])
        {
            Instruction = copy,
            Title = title,
            CreatedBy = $"COPY . / # build context {directory.Name}",
        };
    }

    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>A base's ONBUILD triggers, parsed now (as BuildKit does) and located at the FROM that fires them.</summary>
    private static IReadOnlyList<Instruction> Triggers(ImageConfig baseConfig, FromInstruction from)
    {
        var triggers = new List<Instruction>();
        foreach (var trigger in baseConfig.Config?.OnBuild ?? [])
        {
            try
            {
                var parsed = DockerfileParser.Parse("FROM scratch\n" + trigger + "\n").Stages[0].Commands;
                triggers.AddRange(parsed.Select(i => i with { Span = from.Span }));
            }
            catch (DockerfileException e)
            {
                throw new DockerfileException(e.Code, $"the base image's ONBUILD trigger \"{trigger}\" is not valid: {e.Message}", from.Span);
            }
        }

        return triggers;
    }

    /// <summary>Values for expanding a word: the ARGs in scope, overridden by ENV (ENV wins, as in BuildKit).</summary>
    private Dictionary<string, string> ExpansionEnvironment()
    {
        var env = args.ForExpansion();
        foreach (var entry in config.Env ?? [])
        {
            var eq = entry.IndexOf('=');
            if (eq > 0)
            {
                env[entry[..eq]] = entry[(eq + 1)..];
            }
        }

        return env;
    }

    private IReadOnlyList<string> Shell => config.Shell is { Count: > 0 } shell ? shell : DefaultShell;

    private string Title(Instruction instruction)
    {
        var counter = instruction is RunInstruction or CopyInstruction or AddInstruction or WorkdirInstruction
            ? $"{Number(++fileSteps + 1)}/{Number(totalFileSteps + 1)}"
            : null;
        var label = string.Join(' ', new[] { PlatformLabel, DisplayName, counter }.Where(s => !string.IsNullOrEmpty(s)));
        var text = instruction.Original.Trim();
        var firstLine = text.Split('\n')[0];
        return (label.Length == 0 ? "" : $"[{label}] ") + (firstLine.Length > 0 ? firstLine : instruction.Keyword);
    }

    /// <summary>The stage's platform, when progress shows it (a multi-platform build).</summary>
    private string PlatformLabel => session.Options.ShowPlatform ? platform.ToString() : "";

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
