using ImageBuilder.Dockerfile.Shell;

namespace ImageBuilder.Dockerfile.Instructions;

/// <summary>
/// Applies shell-word expansion to the instructions the builder expands (FROM, ADD,
/// COPY, ENV, EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME, WORKDIR, ARG defaults, and
/// their flags). Every variable in one instruction sees the environment as it was
/// before that instruction: <c>ENV a=1 b=$a</c> gives b the old a. RUN, CMD,
/// ENTRYPOINT, SHELL, HEALTHCHECK and MAINTAINER are left to the shell; an ONBUILD
/// trigger is expanded when it fires, not where it is written.
/// </summary>
public sealed class InstructionExpander(char escapeToken)
{
    private readonly ShellLexer lexer = new(escapeToken);

    /// <exception cref="DockerfileException">IB1013 when a word cannot be expanded, located at the instruction.</exception>
    public Instruction Expand(Instruction instruction, IReadOnlyDictionary<string, string> environment)
    {
        try
        {
            return ExpandCore(instruction, environment);
        }
        catch (ShellExpansionException e)
        {
            throw new DockerfileException(ErrorCode.Expansion, $"{instruction.Keyword}: {e.Message}", instruction.Span,
                "check the ${...} syntax; quote a literal $ as \\$ or '$'");
        }
    }

    private Instruction ExpandCore(Instruction instruction, IReadOnlyDictionary<string, string> env)
    {
        string Word(string text) => lexer.ProcessWord(text, env);
        string? Optional(string? text) => text is null ? null : Word(text);
        IReadOnlyList<string> Each(IReadOnlyList<string> words) => words.Select(Word).ToList();
        IReadOnlyList<KeyValue> Pairs(IReadOnlyList<KeyValue> pairs) =>
            pairs.Select(p => p with { Key = Word(p.Key), Value = Word(p.Value) }).ToList();
        SourcesAndDest Paths(SourcesAndDest p) => p with { SourcePaths = Each(p.SourcePaths), DestPath = Word(p.DestPath) };

        return instruction switch
        {
            FromInstruction image => image with { Image = Word(image.Image), Platform = Optional(image.Platform) },
            CopyInstruction copy => copy with
            {
                Paths = Paths(copy.Paths),
                From = Optional(copy.From),
                Chown = Optional(copy.Chown),
                Chmod = Optional(copy.Chmod),
                Excludes = Each(copy.Excludes),
            },
            AddInstruction add => add with
            {
                Paths = Paths(add.Paths),
                Chown = Optional(add.Chown),
                Chmod = Optional(add.Chmod),
                Checksum = Optional(add.Checksum),
                Excludes = Each(add.Excludes),
            },
            RunInstruction run => run with { Mounts = Each(run.Mounts), Network = Optional(run.Network) },
            EnvInstruction env2 => env2 with { Variables = Pairs(env2.Variables) },
            LabelInstruction label => label with { Labels = Pairs(label.Labels) },
            ArgInstruction arg => arg with { Args = arg.Args.Select(a => a with { DefaultValue = Optional(a.DefaultValue) }).ToList() },
            ExposeInstruction expose => expose with { Ports = expose.Ports.SelectMany(p => lexer.ProcessWords(p, env)).ToList() },
            VolumeInstruction volume => volume with { Volumes = Each(volume.Volumes) },
            UserInstruction user => user with { User = Word(user.User) },
            WorkdirInstruction workdir => workdir with { Path = Word(workdir.Path) },
            StopSignalInstruction signal => signal with { Signal = Word(signal.Signal) },
            _ => instruction,
        };
    }
}
