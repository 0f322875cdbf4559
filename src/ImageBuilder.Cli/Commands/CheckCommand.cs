using System.IO.Abstractions;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Checks;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Sources;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild check [-f FILE] [--dump] [--fix] [CONTEXT]</c>: parse and validate, build nothing.</summary>
internal sealed class CheckCommand(IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild check [-f FILE] [--dump] [--fix] [CONTEXT]

        Parses and validates a Dockerfile (and the context's .dockerignore) without building.
        Also runs BuildKit's build checks (the Dockerfile linter): each hit is printed as
        FILE:LINE:COLUMN: warning: RULE: reason, with a fix. '# check=skip=A,B',
        '# check=error=true' and '# check=experimental=…' work as in BuildKit, also in a
        comment right above one instruction.
        Exit code 0 when valid, 1 when not (or when a check fires under error=true).

        Options:
          -f, --file FILE   the Dockerfile (default: CONTEXT/Dockerfile; '-' reads standard input)
          --dump            print the syntax tree in BuildKit's dump format (also when the
                            file is well-formed but invalid, e.g. has no FROM: then exit 1)
          --fix             rewrite the file in place for the mechanical rules
                            (ConsistentInstructionCasing, FromAsCasing, LegacyKeyValueFormat,
                            JSONArgsRecommended where the command is plain words,
                            MaintainerDeprecated → LABEL org.opencontainers.image.authors),
                            keeping every other byte; print each fix, then what remains.
                            A value or command that cannot be rewritten exactly is left.
          -h, --help        show this help
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("check").Option("--file", "-f").Switch("--dump").Switch("--fix");
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(Help.AsMemory(), cancellationToken);
            return CommandLineApp.Success;
        }

        var file = reader.Get("--file");
        var context = reader.Positionals.Count > 0 ? reader.Positionals[0] : ".";
        if (context.Length == 0)
        {
            throw new UsageException("check: the CONTEXT must not be an empty string (use . for the current directory)");
        }

        if (reader.Has("--fix") && file == "-")
        {
            throw new UsageException("check: --fix rewrites the Dockerfile in place, so it needs a file, not standard input (-f -)");
        }

        var displayName = file ?? fileSystem.Path.Combine(context, DockerfileSource.DefaultName);
        IReadOnlyList<string> lines = [];
        try
        {
            var text = await DockerfileSource.ReadAsync(fileSystem, file, context, stdin, cancellationToken);
            lines = DiagnosticRenderer.SplitLines(text);

            // The syntax tree is dumped whenever the file is syntactically valid, as BuildKit's parser
            // dumps it: a file that later fails validation (no FROM, say) still shows its tree, then its errors.
            var syntaxDiagnostics = new List<Diagnostic>();
            var syntax = SyntaxParser.Parse(text, syntaxDiagnostics);
            var dockerfilePath = file is null or "-" ? fileSystem.Path.Combine(context, DockerfileSource.DefaultName) : file;
            var input = new CheckInput { Ignore = LoadIgnoreFile(context, dockerfilePath) };
            var report = BuildChecker.Run(syntax, input);
            if (reader.Has("--fix") && syntaxDiagnostics.Count == 0)
            {
                var result = CheckFixer.Fix(text, syntax, report);
                if (result.Fixed.Count > 0)
                {
                    if (!CheckFixWriter.TryWrite(fileSystem, dockerfilePath, text, result.Text))
                    {
                        await stderr.WriteLineAsync($"{displayName}: not fixed: the file is not valid UTF-8, so rewriting it would change other bytes");
                        return CommandLineApp.Failure;
                    }

                    foreach (var fix in result.Fixed)
                    {
                        await stdout.WriteLineAsync($"{displayName}:{fix.Line}: fixed {fix.Rule.Name}");
                    }

                    text = result.Text;
                    lines = DiagnosticRenderer.SplitLines(text);
                    syntax = SyntaxParser.Parse(text, syntaxDiagnostics);
                    report = BuildChecker.Run(syntax, input);
                }
            }

            await CheckReportRenderer.WriteAsync(stderr, report, displayName, lines);

            if (reader.Has("--dump") && syntaxDiagnostics.Count == 0)
            {
                await stdout.WriteAsync(SyntaxDump.Dump(syntax));
            }

            var document = DockerfileParser.Parse(syntax, syntaxDiagnostics);
            if (!reader.Has("--dump") && !report.Failed)
            {
                var count = document.Stages.Sum(s => s.Commands.Count + 1) + document.GlobalArgs.Count;
                await stdout.WriteLineAsync(
                    $"{displayName}: OK: {Plural(document.Stages.Count, "stage")}, {Plural(count, "instruction")}");
            }

            return report.Failed ? CommandLineApp.Failure : CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, displayName, lines, fileSystem);
            return CommandLineApp.Failure;
        }
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private DockerIgnore? LoadIgnoreFile(string context, string dockerfilePath) =>
        fileSystem.Directory.Exists(context) ? DockerIgnoreFile.Load(fileSystem, context, dockerfilePath) : null;
}
