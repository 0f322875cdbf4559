using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>
/// Turns one <see cref="SyntaxNode"/> into its typed <see cref="Instruction"/>, checking
/// argument counts, the flags each instruction accepts and their values.
/// Errors are thrown as <see cref="DockerfileException"/> located at the node.
/// </summary>
public static partial class InstructionParser
{
    /// <summary>Every instruction keyword, upper-case.</summary>
    public static readonly IReadOnlyList<string> Keywords =
    [
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
        "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
    ];

    /// <exception cref="DockerfileException">The instruction is not valid.</exception>
    public static Instruction Parse(SyntaxNode node)
    {
        try
        {
            var instruction = ParseCore(node);
            return instruction with { Span = node.Span, Original = node.Original };
        }
        catch (FlagException e)
        {
            throw new DockerfileException(e.Code, e.Message, node.Span, e.Hint);
        }
        catch (InstructionException e)
        {
            var span = e.ArgumentIndex is { } index ? node.LocateArgument(index) : e.AtArguments ? node.ArgumentSpan : node.Span;
            throw new DockerfileException(e.Code, e.Message, span, e.Hint);
        }
    }

    private static Instruction ParseCore(SyntaxNode node)
    {
        var args = node.Arguments;
        var keyword = node.Keyword.ToUpperInvariant();
        switch (node.Keyword)
        {
            case "from":
                return ParseFrom(node, Flags(node, new BuilderFlagSet().String("platform")));
            case "run":
                return ParseRun(node);
            case "cmd":
                NoFlags(node);
                return new CmdInstruction(Command(node));
            case "entrypoint":
                NoFlags(node);
                return new EntrypointInstruction(Command(node));
            case "copy":
                return ParseCopy(node);
            case "add":
                return ParseAdd(node);
            case "env":
                NoFlags(node);
                return new EnvInstruction(KeyValues(node, keyword));
            case "label":
                NoFlags(node);
                return new LabelInstruction(KeyValues(node, keyword));
            case "arg":
                // BuildKit never parses flags on ARG (nor on STOPSIGNAL): they are ignored.
                return ParseArg(node);
            case "expose":
                NoFlags(node);
                AtLeastOne(node, keyword);
                ValidatePorts(args);
                return new ExposeInstruction(args);
            case "volume":
                NoFlags(node);
                AtLeastOne(node, keyword);
                return ParseVolume(args);
            case "user":
                NoFlags(node);
                return new UserInstruction(ExactlyOne(node, keyword));
            case "workdir":
                NoFlags(node);
                return new WorkdirInstruction(ExactlyOne(node, keyword));
            case "stopsignal":
                var signal = ExactlyOne(node, keyword);
                StopSignals.Validate(signal);
                return new StopSignalInstruction(signal);
            case "maintainer":
                NoFlags(node);
                return new MaintainerInstruction(ExactlyOne(node, keyword));
            case "shell":
                NoFlags(node);
                return ParseShell(node);
            case "healthcheck":
                return ParseHealthcheck(node);
            case "onbuild":
                NoFlags(node);
                return ParseOnbuild(node);
            default:
                var suggestion = NameSuggestion.Closest(node.KeywordAsWritten, Keywords);
                throw new InstructionException(ErrorCode.UnknownInstruction,
                    $"unknown instruction: {node.KeywordAsWritten}",
                    suggestion is null
                        ? "instructions are " + string.Join(", ", Keywords)
                        : $"did you mean {suggestion}?");
        }
    }

    private static BuilderFlagSet Flags(SyntaxNode node, BuilderFlagSet accepted)
    {
        accepted.Parse(node.Keyword.ToUpperInvariant(), node.Flags);
        return accepted;
    }

    private static void NoFlags(SyntaxNode node) => Flags(node, new BuilderFlagSet());

    private static void AtLeastOne(SyntaxNode node, string keyword)
    {
        if (node.Arguments.Count == 0)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, $"{keyword} requires at least one argument",
                Usage(keyword));
        }
    }

    private static string ExactlyOne(SyntaxNode node, string keyword)
    {
        if (node.Arguments.Count != 1)
        {
            throw new InstructionException(ErrorCode.ArgumentCount, $"{keyword} requires exactly one argument",
                Usage(keyword));
        }

        return node.Arguments[0];
    }

    private static CommandLine Command(SyntaxNode node) =>
        node.IsJson ? new CommandLine(node.Arguments, false) : new CommandLine([string.Join(' ', node.Arguments)], true);

    private static string Usage(string keyword) => keyword switch
    {
        "ADD" => "usage: ADD [--chown=…] [--chmod=…] <src>… <dest>",
        "COPY" => "usage: COPY [--from=…] [--chown=…] [--chmod=…] <src>… <dest>",
        "ENV" => "usage: ENV <key>=<value> …",
        "LABEL" => "usage: LABEL <key>=<value> …",
        "ARG" => "usage: ARG <name>[=<default>] …",
        "EXPOSE" => "usage: EXPOSE <port>[/<protocol>] …",
        "VOLUME" => "usage: VOLUME <path> … or VOLUME [\"<path>\", …]",
        "USER" => "usage: USER <user>[:<group>]",
        "WORKDIR" => "usage: WORKDIR <path>",
        "STOPSIGNAL" => "usage: STOPSIGNAL <signal>",
        "MAINTAINER" => "usage: MAINTAINER <name> (deprecated: use LABEL maintainer=…)",
        "ONBUILD" => "usage: ONBUILD <instruction>",
        "HEALTHCHECK" => "usage: HEALTHCHECK [options] CMD <command> or HEALTHCHECK NONE",
        "SHELL" => "usage: SHELL [\"executable\", \"parameters\"]",
        "RUN" => "usage: RUN <command> or RUN [\"executable\", \"param\"…]",
        _ => $"see the {keyword} reference",
    };
}

/// <summary>An instruction-level problem; <see cref="InstructionParser"/> adds the location.</summary>
internal sealed class InstructionException(
    ErrorCode code, string message, string? hint, bool atArguments = false, int? argumentIndex = null)
    : Exception(message)
{
    public ErrorCode Code { get; } = code;

    public string? Hint { get; } = hint;

    public bool AtArguments { get; } = atArguments;

    /// <summary>The argument at fault, when one is: the error points at it.</summary>
    public int? ArgumentIndex { get; } = argumentIndex;
}
