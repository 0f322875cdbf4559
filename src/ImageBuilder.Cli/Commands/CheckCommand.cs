using System.IO.Abstractions;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Ignore;
using ImageBuilder.Dockerfile.Syntax;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild check [-f FILE] [--dump] [CONTEXT]</c>: parse and validate, build nothing.</summary>
internal sealed class CheckCommand(IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild check [-f FILE] [--dump] [CONTEXT]

        Parses and validates a Dockerfile (and the context's .dockerignore) without building.
        Exit code 0 when valid, 1 when not.

        Options:
          -f, --file FILE   the Dockerfile (default: CONTEXT/Dockerfile; '-' reads standard input)
          --dump            print the syntax tree in BuildKit's dump format
          -h, --help        show this help
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        string? file = null;
        string? context = null;
        var dump = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    await stdout.WriteLineAsync(Help.AsMemory(), cancellationToken);
                    return CommandLineApp.Success;
                case "--dump":
                    dump = true;
                    break;
                case "-f" or "--file":
                    file = i + 1 < args.Length ? args[++i] : throw new UsageException($"{arg} needs a file name");
                    break;
                case var _ when arg.StartsWith("--file=", StringComparison.Ordinal):
                    file = arg["--file=".Length..] is { Length: > 0 } named ? named : throw new UsageException("--file needs a file name");
                    break;
                case var _ when arg.StartsWith('-') && arg != "-":
                    throw new UsageException($"check: unknown option {arg}");
                default:
                    context = context is null ? arg : throw new UsageException("check takes one CONTEXT directory");
                    break;
            }
        }

        context ??= ".";
        var displayName = file ?? fileSystem.Path.Combine(context, "Dockerfile");
        string text;
        try
        {
            // Dockerfiles are UTF-8, as BuildKit reads them: no guessing of UTF-16 from a byte order mark.
            text = file == "-"
                ? await stdin.ReadToEndAsync(cancellationToken)
                : Utf8.GetString(await fileSystem.File.ReadAllBytesAsync(displayName, cancellationToken));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteAsync(DiagnosticRenderer.Render(
                new Diagnostic(ErrorCode.FileAccess, $"cannot read the Dockerfile: {e.Message}", null,
                    "pass the Dockerfile with -f FILE, or the directory that holds it as CONTEXT"), displayName, []));
            return CommandLineApp.Failure;
        }

        var lines = DiagnosticRenderer.SplitLines(text.StartsWith('\uFEFF') ? text[1..] : text);
        try
        {
            var document = DockerfileParser.Parse(text);
            foreach (var warning in document.Warnings)
            {
                await stderr.WriteLineAsync($"{displayName}:{warning.Span.StartLine}: warning: {warning.Message}");
            }

            CheckIgnoreFile(context, file == "-" ? fileSystem.Path.Combine(context, "Dockerfile") : displayName);
            if (dump)
            {
                await stdout.WriteAsync(SyntaxDump.Dump(document.Syntax));
            }
            else
            {
                var count = document.Stages.Sum(s => s.Commands.Count + 1) + document.GlobalArgs.Count;
                await stdout.WriteLineAsync(
                    $"{displayName}: OK: {Plural(document.Stages.Count, "stage")}, {Plural(count, "instruction")}");
            }

            return CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            foreach (var diagnostic in e.Diagnostics)
            {
                var source = diagnostic.File is { } other ? ReadLines(other) : lines;
                await stderr.WriteAsync(DiagnosticRenderer.Render(diagnostic, displayName, source));
            }

            if (e.Diagnostics.Count > 1)
            {
                await stderr.WriteLineAsync($"{e.Diagnostics.Count} errors");
            }

            return CommandLineApp.Failure;
        }
    }

    private static readonly System.Text.UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private IReadOnlyList<string> ReadLines(string path)
    {
        try
        {
            return DiagnosticRenderer.SplitLines(fileSystem.File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private void CheckIgnoreFile(string context, string dockerfilePath)
    {
        if (!fileSystem.Directory.Exists(context))
        {
            return;
        }

        DockerIgnoreFile.Load(fileSystem, context, dockerfilePath);
    }
}
