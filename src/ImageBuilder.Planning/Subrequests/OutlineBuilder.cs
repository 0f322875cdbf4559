using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Planning.Subrequests;

/// <summary>
/// Computes a target's <see cref="BuildOutline"/> as BuildKit's outline subrequest does, from the
/// Dockerfile alone (no image is looked up, nothing runs). A stage uses every ARG it declares and
/// the global ARGs its FROM line names (and those their defaults name); the outline holds the
/// target's and those of every stage it depends on (its base stage, <c>COPY --from</c>,
/// <c>RUN --mount=from=</c>), a name listed once, the nearest stage's definition first.
/// </summary>
/// <remarks>
/// Defaults are expanded with what the Dockerfile declares before them (ARG and ENV of the stage
/// and of its base stages); a base image's own ENV is not known here, where BuildKit, which
/// resolves the image, would see it.
/// </remarks>
public sealed partial class OutlineBuilder
{
    private readonly DockerfileDocument document;
    private readonly PlanOptions options;
    private readonly ShellLexer lexer;
    private readonly InstructionExpander expander;
    private readonly Dictionary<string, string> globalEnv;
    private readonly Dictionary<string, ArgFacts> globalArgs = new(StringComparer.Ordinal);

    private OutlineBuilder(DockerfileDocument document, PlanOptions options)
    {
        this.document = document;
        this.options = options;
        lexer = new ShellLexer(document.EscapeToken);
        expander = new InstructionExpander(document.EscapeToken);
        globalEnv = ArgScope.Global(options.BuildArgs, options.Platform).ForExpansion();
    }

    /// <summary>The outline of <see cref="PlanOptions.Target"/> (the last stage when null), with its build args and platform.</summary>
    /// <exception cref="DockerfileException">IB2001 for an unknown target; IB1013 or IB1004 where a word or a mount cannot be read.</exception>
    public static BuildOutline Build(DockerfileDocument document, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(options);
        return new OutlineBuilder(document, options).Run();
    }

    /// <summary>An ARG as the outline knows it, and the global ARGs its default names.</summary>
    private sealed record ArgFacts(OutlineArg Arg, IReadOnlySet<string> Names);

    private BuildOutline Run()
    {
        DeclareGlobalArgs();
        var target = options.Target is null
            ? document.Stages[^1]
            : document.FindStage(options.Target)
              ?? throw new DockerfileException(ErrorCode.UnknownStage, $"target stage \"{options.Target}\" could not be found", null,
                  $"stages: {string.Join(", ", document.Stages.Select(s => s.Reference))}");

        var heads = document.Stages.Select(ReadFrom).ToList();
        var order = DependencyOrder(target.Index, heads);
        var facts = new Dictionary<int, StageFacts>();
        foreach (var index in order.Order())
        {
            var head = heads[index];
            facts[index] = ReadStage(document.Stages[index], head, head.Base is { } b ? facts[b].Env : null);
        }

        var args = new List<OutlineArg>();
        var secrets = new List<OutlineMount>();
        var ssh = new List<OutlineMount>();
        var seenArgs = new HashSet<string>(StringComparer.Ordinal);
        var seenSecrets = new HashSet<string>(StringComparer.Ordinal);
        var seenSsh = new HashSet<string>(StringComparer.Ordinal);
        foreach (var stage in order.Select(i => facts[i]))
        {
            args.AddRange(stage.UsedArgs().Where(a => seenArgs.Add(a.Name)));
            secrets.AddRange(stage.Secrets.Where(s => seenSecrets.Add(s.Name)));
            ssh.AddRange(stage.Ssh.Where(s => seenSsh.Add(s.Name)));
        }

        return new BuildOutline(target.Name, target.From.Description,
            args.OrderBy(a => a.Location.StartLine).ToList(),
            secrets.OrderBy(s => s.Location.StartLine).ToList(),
            ssh.OrderBy(s => s.Location.StartLine).ToList());
    }

    /// <summary>The global ARGs, as BuildKit's meta args: a default may name the ARGs before it, whose use it then implies.</summary>
    private void DeclareGlobalArgs()
    {
        foreach (var arg in document.GlobalArgs)
        {
            foreach (var declaration in arg.Args)
            {
                var name = declaration.Name;
                string? value = null;
                var names = new HashSet<string>(StringComparer.Ordinal);
                if (options.BuildArgs.TryGetValue(name, out var given))
                {
                    value = given;
                }
                else if (declaration.DefaultValue is { } written)
                {
                    var expansion = Expand(written, globalEnv, arg);
                    value = expansion.Result;
                    names.UnionWith(expansion.Matched);
                    if (names.Remove(name) && globalArgs.TryGetValue(name, out var earlier))
                    {
                        names.UnionWith(earlier.Names);
                    }
                }

                if (value is not null)
                {
                    globalEnv[name] = value;
                }

                globalArgs[name] = new ArgFacts(new OutlineArg(name, value, declaration.Description, LineRange.Of(arg)), names);
            }
        }
    }

    /// <summary>The target, then (depth first) each stage it depends on, each once: the order in which a name's first definition wins.</summary>
    private IReadOnlyList<int> DependencyOrder(int target, IReadOnlyList<StageHead> heads)
    {
        var order = new List<int>();
        var seen = new HashSet<int>();
        var pending = new Stack<int>();
        pending.Push(target);
        while (pending.Count > 0)
        {
            var index = pending.Pop();
            if (!seen.Add(index))
            {
                continue;
            }

            order.Add(index);
            foreach (var dependency in Dependencies(document.Stages[index]).Reverse())
            {
                pending.Push(dependency);
            }

            if (heads[index].Base is { } baseStage)
            {
                pending.Push(baseStage);
            }
        }

        return order;
    }

    private ShellExpansion Expand(string word, IReadOnlyDictionary<string, string> env, Instruction at)
    {
        try
        {
            return lexer.ProcessWordWithMatches(word, env);
        }
        catch (ShellExpansionException e)
        {
            throw new DockerfileException(ErrorCode.Expansion, $"{at.Keyword}: {e.Message}", at.Span,
                "check the ${...} syntax; quote a literal $ as \\$ or '$'");
        }
    }
}
