using ImageBuilder.Dockerfile.Instructions;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile;

/// <summary>
/// The front end's entry point: Dockerfile text → validated <see cref="DockerfileDocument"/>
/// (global ARGs, stages, instructions). Problems in independent instructions are all
/// reported in one <see cref="DockerfileException"/>.
/// </summary>
public static class DockerfileParser
{
    /// <exception cref="DockerfileException">The Dockerfile is not valid.</exception>
    public static DockerfileDocument Parse(string text)
    {
        var diagnostics = new List<Diagnostic>();
        var syntax = SyntaxParser.Parse(text, diagnostics);
        return Parse(syntax, diagnostics);
    }

    /// <summary>
    /// The second level alone: a syntax tree (from <see cref="SyntaxParser.Parse(string, List{Diagnostic})"/>)
    /// → the document. <paramref name="syntaxDiagnostics"/> are the syntax level's problems, reported
    /// together with the instructions' own.
    /// </summary>
    /// <exception cref="DockerfileException">The Dockerfile is not valid.</exception>
    public static DockerfileDocument Parse(SyntaxTree syntax, IReadOnlyList<Diagnostic> syntaxDiagnostics) =>
        Parse(syntax, syntaxDiagnostics, StringComparer.Ordinal);

    /// <summary><see cref="Parse(SyntaxTree, IReadOnlyList{Diagnostic})"/> with the comparer of stage names as a seam (tests count its calls).</summary>
    internal static DockerfileDocument Parse(SyntaxTree syntax, IReadOnlyList<Diagnostic> syntaxDiagnostics, IEqualityComparer<string> stageNames)
    {
        ArgumentNullException.ThrowIfNull(syntax);
        var diagnostics = new List<Diagnostic>(syntaxDiagnostics);
        var globalArgs = new List<ArgInstruction>();
        var stages = new List<StageBuilder>();
        var named = new Dictionary<string, FromInstruction>(stageNames);
        foreach (var node in syntax.Nodes)
        {
            Instruction instruction;
            try
            {
                instruction = InstructionParser.Parse(node);
            }
            catch (DockerfileException e)
            {
                diagnostics.AddRange(e.Diagnostics);
                if (node.Keyword == "from")
                {
                    // Open the stage anyway, so the instructions after a broken FROM
                    // are checked on their own instead of all failing with "no stage".
                    stages.Add(new StageBuilder(new FromInstruction("", null, null) { Span = node.Span }, []));
                }

                continue;
            }

            switch (instruction)
            {
                case FromInstruction from:
                    AddStage(from, stages, named, diagnostics);
                    break;
                case ArgInstruction arg when stages.Count == 0:
                    globalArgs.Add(arg);
                    break;
                case var _ when stages.Count == 0:
                    diagnostics.Add(new Diagnostic(ErrorCode.NoFromInstruction, "no build stage in current context",
                        node.Span, $"only ARG may come before the first FROM; add a FROM before this {instruction.Keyword}"));
                    break;
                default:
                    stages[^1].Commands.Add(instruction);
                    break;
            }
        }

        if (diagnostics.Count == 0 && stages.Count == 0)
        {
            var span = syntax.Nodes.Count > 0 ? syntax.Nodes[^1].Span : SourceSpan.At(1);
            diagnostics.Add(new Diagnostic(ErrorCode.NoFromInstruction, "the Dockerfile has no FROM instruction", span,
                "add FROM <image> (or FROM scratch) to start a build stage"));
        }

        if (diagnostics.Count > 0)
        {
            throw new DockerfileException(diagnostics.OrderBy(d => d.Span?.StartLine ?? 0).ToList());
        }

        return new DockerfileDocument(globalArgs,
            stages.Select((s, i) => new Stage(i, s.From.StageName, s.From, s.Commands)).ToList(), syntax);
    }

    /// <summary>Opens a stage; a name seen before is an error (looked up by name, so many stages stay linear).</summary>
    private static void AddStage(FromInstruction from, List<StageBuilder> stages, Dictionary<string, FromInstruction> named, List<Diagnostic> diagnostics)
    {
        if (from.StageName is { } name && !named.TryAdd(name, from))
        {
            var first = named[name];
            diagnostics.Add(new Diagnostic(ErrorCode.InvalidStageName, $"duplicate stage name \"{name}\"", from.Span,
                $"stage \"{name}\" is already defined at line {first.Span.StartLine}; give this stage another name"));
        }

        stages.Add(new StageBuilder(from, []));
    }

    private sealed record StageBuilder(FromInstruction From, List<Instruction> Commands);
}
