using System.IO.Abstractions;
using ImageBuilder.Application.Graphs;
using ImageBuilder.Dockerfile;
using ImageBuilder.Dockerfile.Sources;
using ImageBuilder.Planning;
using ImageBuilder.Planning.Graph;

namespace ImageBuilder.Cli.Commands;

/// <summary><c>ibuild graph</c>: the build's stages, steps and dependencies as DOT, Mermaid or SVG; nothing runs or is pulled.</summary>
internal sealed class GraphCommand(GraphService graphs, IFileSystem fileSystem, TextReader stdin, TextWriter stdout, TextWriter stderr)
{
    public const string Help = """
        Usage: ibuild graph [-f FILE] [--target STAGE] [--build-arg K[=V]]... [--format dot|mermaid|svg] CONTEXT

        Prints the build as a graph: every stage of the Dockerfile as a box of its steps in order,
        the images and build contexts they read, and edges for FROM, COPY --from, RUN --mount from=
        and COPY from the context. Stages the target does not need are dashed and grey. The plan is
        the one a build would make, from the store alone: nothing is pulled or run, and an image the
        store lacks is drawn as such. Each step of a planned stage says whether the store's build
        cache holds it (cached), does not (not cached), or cannot tell without building (cache
        unknown: its key needs a download, a git commit, a bind mount's or a named context's
        files, or an image the store lacks, and so does every later step of its stage). The
        context is read as a build reads it, to checksum what COPY takes from it.

          -f, --file FILE       the Dockerfile (default CONTEXT/Dockerfile; '-' reads stdin)
          --target STAGE        the stage to build (default: the last)
          --build-arg K[=V]     set a build arg; K alone takes ibuild's environment variable
          --format F            dot (default: Graphviz), mermaid (a flowchart) or svg (drawn by
                                Graphviz's dot, which must be installed: Debian's graphviz)
          --root DIR            the store
        """;

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var reader = new ArgumentReader("graph").Option("--file", "-f").Option("--target").Option("--build-arg").Option("--format");
        if (!reader.Read(args, maxPositionals: 1))
        {
            await stdout.WriteLineAsync(Help);
            return CommandLineApp.Success;
        }

        ArchiveCommands.Require(reader, 1, "graph needs a CONTEXT directory (use . for the current one)");
        var format = reader.Get("--format") ?? "dot";
        if (format is not ("dot" or "mermaid" or "svg"))
        {
            throw new UsageException($"graph: --format \"{format}\" is not dot, mermaid or svg");
        }

        var contextDir = fileSystem.Path.GetFullPath(reader.Positionals[0]);
        if (!fileSystem.Directory.Exists(contextDir))
        {
            throw new UsageException($"graph: the context {reader.Positionals[0]} is not a directory");
        }

        var file = reader.Get("--file");
        var displayName = file ?? fileSystem.Path.Combine(reader.Positionals[0], DockerfileSource.DefaultName);
        var options = new PlanOptions { Target = reader.Get("--target"), BuildArgs = BuildSettings.BuildArgs(reader.GetAll("--build-arg")) };
        IReadOnlyList<string> lines = [];
        try
        {
            var text = await DockerfileSource.ReadAsync(fileSystem, file, contextDir, stdin, cancellationToken);
            lines = DiagnosticRenderer.SplitLines(text);
            var document = DockerfileParser.Parse(text);
            var dockerfilePath = file is null ? fileSystem.Path.Combine(contextDir, DockerfileSource.DefaultName) : file == "-" ? null : fileSystem.Path.GetFullPath(file);
            var graph = await graphs.GraphAsync(reader.Root, contextDir, dockerfilePath, document, options, cancellationToken);
            var dot = format == "mermaid" ? null : DotRenderer.Render(graph);
            await stdout.WriteAsync(format switch
            {
                "mermaid" => MermaidRenderer.Render(graph),
                "svg" => await GraphService.RenderSvgAsync(dot!, cancellationToken),
                _ => dot,
            });
            return CommandLineApp.Success;
        }
        catch (DockerfileException e)
        {
            await DiagnosticRenderer.WriteAllAsync(stderr, e.Diagnostics, displayName, lines, fileSystem);
            return CommandLineApp.Failure;
        }
        catch (GraphvizException e)
        {
            await stderr.WriteLineAsync($"ibuild: graph: {e.Message}");
            if (e.Hint is { } hint)
            {
                await stderr.WriteLineAsync($"  hint: {hint}");
            }

            return CommandLineApp.Failure;
        }
    }
}
